import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { validationFailure } from "../errors";

/**
 * Opaque, tamper-evident, expiring paging cursors. The payload (a DynamoDB key among others) is
 * sealed with AES-256-GCM under a key derived from the cursor secret, so it cannot be read; the
 * binding string (tenant, caller and query) is the associated data, so a cursor from another org,
 * caller or query fails like a forged one. The expiry travels inside the sealed payload.
 */
export interface CursorCodec {
  encode(payload: unknown, binding: string): string;
  decode<T>(cursor: string, binding: string): T;
}

/** How long a cursor may be used after it was handed out. */
export const CURSOR_TTL_MS = 24 * 3600 * 1000;

const FORMAT = 1; // first byte: lets a later format be told apart (and refused) cleanly
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_CURSOR_CHARS = 2048;

interface Sealed {
  /** Expiry, epoch milliseconds. */
  x: number;
  p: unknown;
}

export function createCursorCodec(
  secret: Uint8Array | string,
  opts: { clock?: () => number; ttlMs?: number } = {},
): CursorCodec {
  const key = Buffer.from(hkdfSync("sha256", secret, "", "okta-app-connections/paging-cursor/v1", 32));
  const now = opts.clock ?? Date.now;
  const ttlMs = opts.ttlMs ?? CURSOR_TTL_MS;
  const aad = (binding: string) => Buffer.concat([Buffer.of(FORMAT), Buffer.from(binding, "utf8")]);

  function open(cursor: string, binding: string): Sealed | null {
    if (cursor.length > MAX_CURSOR_CHARS) return null;
    const raw = Buffer.from(cursor, "base64url");
    // Buffer decoding ignores stray characters and the last char's spare bits: only the canonical spelling counts.
    if (raw.toString("base64url") !== cursor || raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== FORMAT) return null;
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(binding));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      const sealed = JSON.parse(plain.toString("utf8")) as Sealed;
      return typeof sealed?.x === "number" ? sealed : null;
    } catch {
      return null; // a wrong tag (forged, altered, another binding) or, impossibly, bad JSON under a good tag
    }
  }

  return {
    encode(payload, binding) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(binding));
      const plain = Buffer.from(JSON.stringify({ x: now() + ttlMs, p: payload } satisfies Sealed));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT), iv, body, cipher.getAuthTag()]).toString("base64url");
    },
    decode<T>(cursor: string, binding: string): T {
      const sealed = open(cursor, binding);
      if (!sealed) throw validationFailure("cursor is invalid or belongs to another query");
      if (now() >= sealed.x) throw validationFailure(`cursor has expired (cursors are valid for ${ttlMs / 3_600_000} hours); start again from the first page`);
      return sealed.p as T;
    },
  };
}
