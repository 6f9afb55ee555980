/**
 * The operations of the local KMS and the checks AWS KMS makes on their input, as pure functions of
 * a key ring: the HTTP side lives in local-kms.ts. What AWS refuses is refused here with AWS's
 * exception names, so code that passes locally is not refused on its first real deploy.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { canonicalContext, type EncryptionContext } from "./envelope";

const ARN_PREFIX = "arn:aws:kms:local:000000000000:";
export const keyArn = (name: string) => `${ARN_PREFIX}key/${name}`;
export const DEFAULT_KEY_NAME = "local-master";

/** AWS KMS caps `Encrypt` plaintext at 4,096 bytes and data keys at 1,024. */
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_DATA_KEY_BYTES = 1024;
const BLOB_VERSION = 2; // blob = version(1) | arnLength(1) | key ARN | iv(12) | tag(16) | ciphertext

/** An error the SDK should see as a modeled KMS exception (`__type`), always HTTP 400 as on KMS. */
export class KmsFault extends Error {
  constructor(readonly kmsType: string, message: string) {
    super(message);
  }
}

/**
 * The keys of one local KMS: `local-master` is the master key itself, any other name a key derived
 * from it (HKDF), so a blob names the key that made it and opens under no other.
 */
export function createKeyRing(master: Uint8Array, names: readonly string[]) {
  const material = new Map(names.map((n) => [keyArn(n), n === DEFAULT_KEY_NAME ? Buffer.from(master) : derive(master, n)]));
  const aliases = new Map(names.flatMap((n) => [n, `alias/${n}`, keyArn(n), `${ARN_PREFIX}alias/${n}`].map((id) => [id, keyArn(n)])));
  return {
    /** The ARN a key id (name, alias, key ARN or alias ARN) names; NotFoundException otherwise. */
    resolve(id: unknown): string {
      const arn = typeof id === "string" ? aliases.get(id) : undefined;
      if (!arn) throw new KmsFault("NotFoundException", "Key not found");
      return arn;
    },
    seal: (arn: string, plain: Uint8Array, ctx: EncryptionContext) => sealBlob(material.get(arn)!, arn, plain, ctx),
    /** Opens a blob; `expected` (Decrypt's optional KeyId) must be the key that made it. */
    open(blob: Buffer, ctx: EncryptionContext, expected?: string): { arn: string; plain: Buffer } {
      const arn = blobKeyArn(blob);
      const key = arn === undefined ? undefined : material.get(arn);
      if (!arn || !key) throw new KmsFault("InvalidCiphertextException", "The ciphertext or encryption context is invalid");
      if (expected !== undefined && expected !== arn)
        throw new KmsFault("IncorrectKeyException", "The key ID in the request does not identify the key that encrypted the ciphertext");
      return { arn, plain: openBlob(key, blob, ctx) };
    },
  };
}
export type KeyRing = ReturnType<typeof createKeyRing>;

const derive = (master: Uint8Array, name: string) => Buffer.from(hkdfSync("sha256", master, "local-kms", `key/${name}`, 32));

// The key ARN is associated data too: a blob whose ARN byte is edited does not open under the other key.
const blobAad = (arn: string, ctx: EncryptionContext) => Buffer.from(`${arn}\n${canonicalContext(ctx)}`);

function sealBlob(key: Uint8Array, arn: string, plain: Uint8Array, ctx: EncryptionContext): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv).setAAD(blobAad(arn, ctx));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const name = Buffer.from(arn);
  return Buffer.concat([Buffer.from([BLOB_VERSION, name.length]), name, iv, c.getAuthTag(), ct]).toString("base64");
}

function blobKeyArn(blob: Buffer): string | undefined {
  if (blob.length < 2 || blob[0] !== BLOB_VERSION || blob.length < 2 + blob[1]! + 28) return undefined;
  return blob.subarray(2, 2 + blob[1]!).toString();
}

/** Opens a blob of this local KMS with its key's material (tests use it to show which key is in use). */
export function openBlob(key: Uint8Array, blob: Buffer, ctx: EncryptionContext): Buffer {
  try {
    const arn = blobKeyArn(blob);
    if (!arn) throw new Error("bad blob");
    const at = 2 + blob[1]!;
    const d = createDecipheriv("aes-256-gcm", key, blob.subarray(at, at + 12)).setAuthTag(blob.subarray(at + 12, at + 28));
    d.setAAD(blobAad(arn, ctx));
    return Buffer.concat([d.update(blob.subarray(at + 28)), d.final()]);
  } catch {
    throw new KmsFault("InvalidCiphertextException", "The ciphertext or encryption context is invalid");
  }
}

/** KMS's rule for EncryptionContext: an object of non-empty string keys to non-empty string values. */
function context(v: unknown = {}): EncryptionContext {
  const isMap = typeof v === "object" && v !== null && !Array.isArray(v);
  const entries = isMap ? Object.entries(v) : [];
  if (!isMap || entries.some(([k, x]) => k.length === 0 || typeof x !== "string" || x.length === 0))
    throw new KmsFault("ValidationException", "EncryptionContext must map non-empty strings to non-empty strings");
  return v as EncryptionContext;
}

function bytes(v: unknown, name: string, max?: number): Buffer {
  if (typeof v !== "string" || v.length === 0) throw new KmsFault("ValidationException", `${name} is required`);
  const out = Buffer.from(v, "base64");
  if (max !== undefined && out.length > max) throw new KmsFault("ValidationException", `${name} must be at most ${max} bytes`);
  return out;
}

function dataKeySize(req: Record<string, unknown>): number {
  const { KeySpec, NumberOfBytes } = req;
  if ((KeySpec === undefined) === (NumberOfBytes === undefined))
    throw new KmsFault("ValidationException", "Specify exactly one of KeySpec and NumberOfBytes");
  if (KeySpec !== undefined) {
    if (KeySpec !== "AES_256" && KeySpec !== "AES_128") throw new KmsFault("ValidationException", "KeySpec must be AES_256 or AES_128");
    return KeySpec === "AES_256" ? 32 : 16;
  }
  if (!Number.isInteger(NumberOfBytes) || (NumberOfBytes as number) < 1 || (NumberOfBytes as number) > MAX_DATA_KEY_BYTES)
    throw new KmsFault("ValidationException", `NumberOfBytes must be an integer from 1 to ${MAX_DATA_KEY_BYTES}`);
  return NumberOfBytes as number;
}

export type Operation = (req: Record<string, unknown>) => Record<string, unknown>;

/** The operations this stand-in speaks; anything else is UnknownOperationException. */
export function operationsOf(ring: KeyRing): Record<"GenerateDataKey" | "Encrypt" | "Decrypt", Operation> {
  return {
    GenerateDataKey(req) {
      const arn = ring.resolve(req.KeyId);
      const size = dataKeySize(req);
      const plain = randomBytes(size);
      const blob = ring.seal(arn, plain, context(req.EncryptionContext));
      return { CiphertextBlob: blob, Plaintext: plain.toString("base64"), KeyId: arn };
    },
    Encrypt(req) {
      const arn = ring.resolve(req.KeyId);
      const blob = ring.seal(arn, bytes(req.Plaintext, "Plaintext", MAX_PLAINTEXT_BYTES), context(req.EncryptionContext));
      return { CiphertextBlob: blob, KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },
    Decrypt(req) {
      const expected = req.KeyId === undefined ? undefined : ring.resolve(req.KeyId); // optional on Decrypt, as on AWS
      const { arn, plain } = ring.open(bytes(req.CiphertextBlob, "CiphertextBlob"), context(req.EncryptionContext), expected);
      return { Plaintext: plain.toString("base64"), KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },
  };
}
