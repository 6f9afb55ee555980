/** A JSON value: what the canonical form below accepts. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What JSON.stringify escapes in a string: quote, backslash, control characters, and lone surrogates (any surrogate sends the string there). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
const quoted = (text: string) => (ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`);

/**
 * JSON with object keys sorted by UTF-16 code unit at every depth, so equal values always give the
 * same bytes whatever the insertion order of their keys (hashes and associated data depend on it).
 * Every create and health check runs it three times (credentials hash, the envelope's associated
 * data, the KMS encryption context): strings that need no escape are quoted without JSON.stringify,
 * and keys are sorted by the default sort, which compares UTF-16 code units without a callback.
 */
export function canonicalJson(value: Json): string {
  if (typeof value === "string") return quoted(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  let out = "";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]!);
    return `[${out}]`;
  }
  const keys = Object.keys(value).sort();
  for (let i = 0; i < keys.length; i++) out += (i === 0 ? "" : ",") + quoted(keys[i]!) + ":" + canonicalJson(value[keys[i]!]!);
  return `{${out}}`;
}
