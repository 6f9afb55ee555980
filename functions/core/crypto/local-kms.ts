/**
 * A tiny stand-in for AWS KMS (no emulator exists on npm): the real `KMSClient` talks to anything that
 * speaks the KMS JSON 1.1 protocol. One master key in a 0600 file; the encryption context is the GCM
 * associated data, so a wrong context fails as on real KMS. Never logs: bodies carry plaintext keys.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { canonicalContext, type EncryptionContext } from "./envelope";

/** A running local KMS. */
export interface LocalKms {
  /** Base URL for `KMSClient({ endpoint })`, e.g. `http://127.0.0.1:54321`. */
  endpoint: string;
  /** ARN of the single master key (`alias/local-master` is accepted too). */
  keyId: string;
  /** Requests seen per operation name (`GenerateDataKey`, `Decrypt`, ...), for tests. */
  counts: Record<string, number>;
  close(): Promise<void>;
}

const KEY_ARN = "arn:aws:kms:local:000000000000:key/local-master";
const KNOWN_KEY_IDS = new Set([KEY_ARN, "local-master", "alias/local-master", KEY_ARN.replace("key/", "alias/")]);
const BLOB_VERSION = 1; // blob = version(1) | iv(12) | tag(16) | ciphertext

/** An error the SDK should see as a modeled KMS exception (`__type`). */
const fault = (kmsType: string, message: string) => Object.assign(new Error(message), { kmsType });
const INTERNAL = { __type: "KMSInternalException", message: "Internal error" };

/**
 * Reads `${dataDir}/kms-master.key` (32 bytes), creating it with mode 0600 if missing; a file with a
 * looser mode is tightened to 0600. The same dataDir therefore opens data sealed in earlier runs.
 */
export async function loadOrCreateMasterKey(dataDir: string): Promise<Uint8Array> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "kms-master.key");
  try {
    const handle = await open(file, "wx", 0o600); // "wx": never overwrite a key that protects data
    await handle.writeFile(randomBytes(32)).finally(() => handle.close());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (((await stat(file)).mode & 0o777) !== 0o600) await chmod(file, 0o600);
  }
  const key = await readFile(file);
  if (key.length !== 32) throw new Error(`Master key file ${file} is not 32 bytes`);
  return new Uint8Array(key);
}

/**
 * Starts the local KMS on 127.0.0.1 and an ephemeral port unless told otherwise. The master key is
 * `masterKey`, else the one in `dataDir`, else a fresh in-memory key (data won't survive a restart).
 */
export async function startLocalKms(
  opts: { dataDir?: string; masterKey?: Uint8Array; port?: number; host?: string } = {},
): Promise<LocalKms> {
  const master = opts.masterKey ?? (opts.dataDir ? await loadOrCreateMasterKey(opts.dataDir) : randomBytes(32));
  if (master.length !== 32) throw new Error("Master key must be 32 bytes");
  const counts: Record<string, number> = Object.create(null); // no prototype: op names come from requests

  const seal = (plain: Uint8Array, ctx: EncryptionContext) => {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", master, iv).setAAD(Buffer.from(canonicalContext(ctx)));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), iv, c.getAuthTag(), ct]).toString("base64");
  };
  const unseal = (blob: Buffer, ctx: EncryptionContext) => {
    try {
      if (blob.length < 29 || blob[0] !== BLOB_VERSION) throw new Error("bad blob");
      const d = createDecipheriv("aes-256-gcm", master, blob.subarray(1, 13)).setAuthTag(blob.subarray(13, 29));
      d.setAAD(Buffer.from(canonicalContext(ctx)));
      return Buffer.concat([d.update(blob.subarray(29)), d.final()]);
    } catch {
      throw fault("InvalidCiphertextException", "The ciphertext or encryption context is invalid");
    }
  };
  const keyId = (v: unknown) => {
    if (typeof v !== "string" || !KNOWN_KEY_IDS.has(v)) throw fault("NotFoundException", "Key not found");
  };
  const context = (v: unknown = {}): EncryptionContext => {
    const ok = typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string");
    if (!ok) throw fault("ValidationException", "EncryptionContext must map strings to strings");
    return v as EncryptionContext;
  };
  const bytes = (v: unknown, name: string) => {
    if (typeof v !== "string" || v.length === 0) throw fault("ValidationException", `${name} is required`);
    return Buffer.from(v, "base64");
  };

  const operations: Record<string, (req: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey(req) {
      keyId(req.KeyId);
      const size = req.KeySpec === "AES_256" ? 32 : req.KeySpec === "AES_128" ? 16 : Number(req.NumberOfBytes);
      if (!Number.isInteger(size) || size < 1 || size > 1024) throw fault("ValidationException", "Bad key size");
      const plain = randomBytes(size);
      const blob = seal(plain, context(req.EncryptionContext));
      return { CiphertextBlob: blob, Plaintext: plain.toString("base64"), KeyId: KEY_ARN };
    },
    Encrypt(req) {
      keyId(req.KeyId);
      const blob = seal(bytes(req.Plaintext, "Plaintext"), context(req.EncryptionContext));
      return { CiphertextBlob: blob, KeyId: KEY_ARN, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },
    Decrypt(req) {
      if (req.KeyId !== undefined) keyId(req.KeyId); // optional on Decrypt, as on AWS
      const plain = unseal(bytes(req.CiphertextBlob, "CiphertextBlob"), context(req.EncryptionContext));
      return { Plaintext: plain.toString("base64"), KeyId: KEY_ARN, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const op = String(req.headers["x-amz-target"] ?? "").replace(/^TrentService\./, "");
    counts[op] = (counts[op] ?? 0) + 1;
    let [status, out]: [number, unknown] = [200, undefined];
    try {
      const run = req.method === "POST" && Object.hasOwn(operations, op) ? operations[op] : undefined;
      if (!run) throw fault("UnknownOperationException", "Unknown operation");
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      if (typeof body !== "object" || body === null) throw fault("SerializationException", "Body is not a JSON object");
      out = run(body as Record<string, unknown>);
    } catch (error) {
      // Fixed messages only: JSON.parse's own message would quote request bytes (maybe a key).
      const syntax = error instanceof SyntaxError;
      const kmsType = syntax ? "SerializationException" : (error as { kmsType?: string }).kmsType;
      const message = syntax ? "Body is not valid JSON" : (error as Error).message;
      [status, out] = kmsType ? [400, { __type: kmsType, message }] : [500, INTERNAL];
    }
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(out));
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject).listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const closed = new Promise((resolve) => server.once("close", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    keyId: KEY_ARN,
    counts,
    close: async () => {
      if (server.listening) server.close().closeAllConnections(); // SDK sockets are kept alive: don't wait on them
      await closed;
    },
  };
}
