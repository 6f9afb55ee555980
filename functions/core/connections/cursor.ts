import { createHmac, timingSafeEqual } from "node:crypto";
import { validationFailure } from "../errors";

/**
 * Opaque, tamper-evident paging cursors. The MAC covers the payload AND a binding string (tenant,
 * caller scope and query), so a cursor from another org, caller or query is refused like a forged one.
 */
export interface CursorCodec {
  encode(payload: unknown, binding: string): string;
  decode<T>(cursor: string, binding: string): T;
}

const MAC_BYTES = 16;

export function createCursorCodec(secret: Uint8Array | string): CursorCodec {
  const mac = (body: string, binding: string) =>
    createHmac("sha256", secret).update(binding).update("\0").update(body).digest().subarray(0, MAC_BYTES);

  return {
    encode(payload, binding) {
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      return `${body}.${mac(body, binding).toString("base64url")}`;
    },
    decode<T>(cursor: string, binding: string): T {
      const invalid = () => validationFailure("cursor is invalid, expired or belongs to another query");
      const [body, tag, extra] = cursor.split(".");
      if (!body || !tag || extra !== undefined || cursor.length > 2048) throw invalid();
      const given = Buffer.from(tag, "base64url");
      // Buffer decoding ignores stray characters and the last char's spare bits: only the canonical spelling counts.
      if (given.toString("base64url") !== tag) throw invalid();
      const expected = mac(body, binding);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      try {
        return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as T;
      } catch {
        throw invalid();
      }
    },
  };
}
