import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request } from "node:http";
import { join } from "node:path";
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { afterEach, describe, expect, it } from "vitest";
import { createKmsSealer, SecretUnreadableError } from "../../../functions/core/crypto/envelope";
import { createKmsClient } from "../../../functions/core/crypto/kms-client";
import { loadOrCreateMasterKey, startLocalKms, type LocalKms } from "../../../functions/core/crypto/local-kms";

const CONTEXT = { org: "org_1", project: "proj_1", connection: "conn_1" };
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "local-kms-test-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};
const start = async (dataDir?: string): Promise<{ kms: LocalKms; client: KMSClient }> => {
  const kms = await startLocalKms({ dataDir });
  const client = createKmsClient({ endpoint: kms.endpoint });
  cleanups.push(() => kms.close(), () => client.destroy());
  return { kms, client };
};
const post = (kms: LocalKms, target: string, body: string) =>
  fetch(`${kms.endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body,
  });

describe("loadOrCreateMasterKey", () => {
  it("creates a 32-byte key file with mode 0600 and reuses it", async () => {
    const dir = join(await tempDir(), "nested", "data");
    const first = await loadOrCreateMasterKey(dir);
    const file = join(dir, "kms-master.key");
    expect(first).toHaveLength(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(await loadOrCreateMasterKey(dir)).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(await readFile(file)).equals(Buffer.from(first))).toBe(true);
  });

  it("tightens a key file with a looser mode to 0600", async () => {
    const dir = await tempDir();
    const file = join(dir, "kms-master.key");
    await writeFile(file, Buffer.alloc(32, 7));
    await chmod(file, 0o644);
    expect(Buffer.from(await loadOrCreateMasterKey(dir)).equals(Buffer.alloc(32, 7))).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe("startLocalKms", () => {
  it("listens on 127.0.0.1 on an ephemeral port", async () => {
    const { kms } = await start();
    expect(kms.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kms.keyId).toMatch(/^arn:aws:kms:/);
  });

  it("opens data sealed before a restart with the same dataDir, not with another one", async () => {
    const dataDir = await tempDir();
    const before = await start(dataDir);
    const sealed = await createKmsSealer({ kms: before.client, keyId: before.kms.keyId }).seal("tok", CONTEXT);
    await before.kms.close();

    const after = await start(dataDir);
    expect(after.kms.endpoint).not.toBe("");
    expect(await createKmsSealer({ kms: after.client, keyId: after.kms.keyId }).open(sealed, CONTEXT)).toBe("tok");

    const other = await start(await tempDir());
    const otherSealer = createKmsSealer({ kms: other.client, keyId: other.kms.keyId });
    await expect(otherSealer.open(sealed, CONTEXT)).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it("round-trips Encrypt/Decrypt through the real KMSClient, and binds the context", async () => {
    const { kms, client } = await start(await tempDir());
    const plaintext = new TextEncoder().encode("hello kms");
    const enc = await client.send(
      new EncryptCommand({ KeyId: "alias/local-master", Plaintext: plaintext, EncryptionContext: CONTEXT }),
    );
    expect(enc.KeyId).toBe(kms.keyId);
    expect(enc.EncryptionAlgorithm).toBe("SYMMETRIC_DEFAULT");
    const decrypt = (EncryptionContext: Record<string, string>) =>
      client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext }));
    const dec = await decrypt(CONTEXT);
    expect(new TextDecoder().decode(dec.Plaintext)).toBe("hello kms");
    expect(dec.KeyId).toBe(kms.keyId);

    const wrongContext = decrypt({ ...CONTEXT, project: "proj_2" });
    await expect(wrongContext).rejects.toMatchObject({ name: "InvalidCiphertextException" });
    expect(kms.counts).toMatchObject({ Encrypt: 1, Decrypt: 2 });
  });

  it("generates data keys of the requested size and rejects unknown keys", async () => {
    const { kms, client } = await start();
    const aes = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, KeySpec: "AES_256" }));
    expect(aes.Plaintext).toHaveLength(32);
    const bytes = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, NumberOfBytes: 64 }));
    expect(bytes.Plaintext).toHaveLength(64);
    await expect(
      client.send(new GenerateDataKeyCommand({ KeyId: "alias/nope", KeySpec: "AES_256" })),
    ).rejects.toMatchObject({ name: "NotFoundException" });
  });

  it("answers protocol errors as AWS JSON 1.1 errors", async () => {
    const { kms } = await start();
    const unknown = await post(kms, "TrentService.ScheduleKeyDeletion", "{}");
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(await unknown.json()).toMatchObject({ __type: "UnknownOperationException" });

    const badJson = await post(kms, "TrentService.Decrypt", '{"CiphertextBlob": "c2VjcmV0');
    expect(badJson.status).toBe(400);
    const body = (await badJson.json()) as { __type: string; message: string };
    expect(body.__type).toBe("SerializationException");
    expect(body.message).not.toContain("c2VjcmV0"); // never echoes the request back

    const tampered = await post(kms, "TrentService.Decrypt", JSON.stringify({ CiphertextBlob: "AQIDBA==" }));
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ __type: "InvalidCiphertextException" });
  });
});

describe("local KMS strictness (what AWS KMS refuses, it refuses)", () => {
  const gdk = (body: Record<string, unknown>) => JSON.stringify({ KeyId: "alias/local-master", ...body });
  const refusals: [string, string, Record<string, string> | undefined, string, string][] = [
    // [why, target, headers, body, __type]
    ["an empty context value", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", EncryptionContext: { orgId: "o", projectId: "" } }), "ValidationException"],
    ["an empty context key", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", EncryptionContext: { "": "x" } }), "ValidationException"],
    ["a non-string context value", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", EncryptionContext: { n: 1 } }), "ValidationException"],
    ["an array as context", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", EncryptionContext: ["a"] }), "ValidationException"],
    ["an object as a context value", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", EncryptionContext: { a: { b: "c" } } }), "ValidationException"],
    ["KeySpec with NumberOfBytes", "TrentService.GenerateDataKey", undefined, gdk({ KeySpec: "AES_256", NumberOfBytes: 32 }), "ValidationException"],
    ["neither KeySpec nor NumberOfBytes", "TrentService.GenerateDataKey", undefined, gdk({}), "ValidationException"],
    ["Encrypt plaintext over 4,096 bytes", "TrentService.Encrypt", undefined, gdk({ Plaintext: Buffer.alloc(4097, 1).toString("base64") }), "ValidationException"],
    ["a target without the TrentService. prefix", "GenerateDataKey", undefined, gdk({ KeySpec: "AES_256" }), "UnknownOperationException"],
    ["an unknown operation", "TrentService.ScheduleKeyDeletion", undefined, "{}", "UnknownOperationException"],
    ["another content type", "TrentService.GenerateDataKey", { "content-type": "application/json" }, gdk({ KeySpec: "AES_256" }), "SerializationException"],
    ["a JSON array body", "TrentService.GenerateDataKey", undefined, "[]", "SerializationException"],
  ];

  it.each(refusals)("refuses %s with HTTP 400", async (_why, target, headers, body, kmsType) => {
    const { kms } = await start();
    const res = await fetch(`${kms.endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target, ...headers },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(await res.json()).toMatchObject({ __type: kmsType });
  });

  it("accepts what KMS accepts at the edges: 4,096 bytes of plaintext, a context of non-empty strings", async () => {
    const { client } = await start();
    const out = await client.send(new EncryptCommand({ KeyId: "alias/local-master", Plaintext: Buffer.alloc(4096, 1), EncryptionContext: CONTEXT }));
    expect(out.CiphertextBlob!.length).toBeGreaterThan(4096);
    await expect(
      client.send(new GenerateDataKeyCommand({ KeyId: "alias/local-master", KeySpec: "AES_256", EncryptionContext: { orgId: "o", projectId: "" } })),
    ).rejects.toMatchObject({ name: "ValidationException", $metadata: { httpStatusCode: 400 } });
  });

  it("counts known operations only, whatever targets requests name", async () => {
    const { kms } = await start();
    for (let i = 0; i < 20; i++) await post(kms, `TrentService.Made-Up-${i}`, "{}");
    await post(kms, "TrentService.__proto__", "{}");
    expect(kms.counts).toEqual({ GenerateDataKey: 0, Encrypt: 0, Decrypt: 0 });
  });

  it("refuses a body over 1 MiB before reading it whole: by Content-Length, and while it streams", async () => {
    const { kms } = await start();
    const { hostname, port } = new URL(kms.endpoint);
    /** Sends `sent` bytes of a body declared (or chunked) as larger, never ends it, and waits for the answer. */
    const answerTo = (headers: Record<string, string | number>, sent: number) =>
      new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const req = request({ host: hostname, port, method: "POST", path: "/", headers: {
          "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.Decrypt", ...headers } });
        req.on("response", (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c)).on("end", () => {
            resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(parts).toString()) });
            req.destroy();
          });
        });
        req.on("error", reject);
        if (sent > 0) req.write(Buffer.alloc(sent, 0x20));
        req.flushHeaders();
      });
    const declared = await answerTo({ "content-length": 10 * 1024 * 1024 }, 0);
    expect(declared).toEqual({ status: 400, body: expect.objectContaining({ __type: "ValidationException" }) });
    const streamed = await answerTo({ "transfer-encoding": "chunked" }, 1024 * 1024 + 1);
    expect(streamed).toEqual({ status: 400, body: expect.objectContaining({ __type: "ValidationException" }) });
  });

  it("binds the key id into its blobs: decrypting naming another key is IncorrectKeyException", async () => {
    const kms = await startLocalKms({ keys: ["local-master", "local-other"] });
    const client = createKmsClient({ endpoint: kms.endpoint });
    cleanups.push(() => kms.close(), () => client.destroy());
    const [master, other] = kms.keyIds;
    const enc = await client.send(new EncryptCommand({ KeyId: "alias/local-other", Plaintext: Buffer.from("x"), EncryptionContext: CONTEXT }));
    expect(enc.KeyId).toBe(other);
    const decrypt = (KeyId?: string) => client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: CONTEXT, KeyId }));
    expect((await decrypt()).KeyId).toBe(other); // without KeyId, the blob says which key
    expect((await decrypt(other)).KeyId).toBe(other);
    await expect(decrypt(master)).rejects.toMatchObject({ name: "IncorrectKeyException", $metadata: { httpStatusCode: 400 } });
    await expect(decrypt("alias/unknown")).rejects.toMatchObject({ name: "NotFoundException" });
  });

  it("answers every request with a chosen exception while refusing (a test switch), then serves again", async () => {
    const { kms, client } = await start();
    kms.refuse("AccessDeniedException");
    await expect(client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, KeySpec: "AES_256" }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
    });
    kms.refuse(null);
    expect((await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, KeySpec: "AES_256" }))).Plaintext).toHaveLength(32);
  });
});
