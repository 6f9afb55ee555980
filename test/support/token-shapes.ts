import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Okta's token shape, as text or inside binary (every token any test uses has this shape), standing
 * alone: a hex hash that happens to contain "00" followed by 40 more characters is not a token.
 */
const TOKEN_SHAPE = /(?<![A-Za-z0-9_-])00[A-Za-z0-9_-]{40}(?![A-Za-z0-9_-])/g;

/** Token-shaped strings in a value: strings, and binary read as UTF-8 (plaintext would show). */
export function findTokenShapes(value: unknown): string[] {
  const text = JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
  return [...(text ?? "").matchAll(TOKEN_SHAPE)].map((m) => m[0].slice(0, 6) + "…");
}

/**
 * A private key in the clear: a PEM `PRIVATE KEY` block, or a JWK's private member `"d"` (in JSON
 * text, escaped inside a string, or as a DynamoDB map attribute `d`). A public JWK has no `d`.
 */
const PRIVATE_KEY_SHAPES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/g, /\\*"d\\*"\s*:\s*(?:\{\s*\\*"S\\*"\s*:\s*)?\\*"[A-Za-z0-9_-]{16,}/g];

/** Private-key-shaped text in a value (as findTokenShapes: strings, and binary read as text). */
export function findPrivateKeys(value: unknown): string[] {
  const text = JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v)) ?? "";
  return PRIVATE_KEY_SHAPES.flatMap((shape) => [...text.matchAll(shape)].map((m) => m[0].slice(0, 14) + "…"));
}

/** Files under `dir` that contain `needle` (a token) anywhere in their bytes. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hits.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}
