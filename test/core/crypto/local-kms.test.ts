import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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
