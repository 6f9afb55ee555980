import { createPrivateKey } from "node:crypto";
import type { CryptoKey, JWK } from "jose";
import { jose } from "./jose";

/**
 * A service app's private key (contract section 9), checked once at the edge and kept in one
 * normalized form: the private JWK as JSON, members in a fixed order, `kid` kept. That string is
 * what gets sealed and hashed, so the same key sent as PEM or as JWK (without `kid`) is the same
 * credential. Messages name what is wrong, never the key's material.
 */
export interface ServiceAppKey {
  /** The normalized private JWK (JSON): the sealed secret. */
  sealed: string;
  keyId: string | null;
  alg: SigningAlg;
}

export type SigningAlg = "RS256" | "ES256";

export const PRIVATE_KEY_MAX_BYTES = 8 * 1024;
const MIN_RSA_BITS = 2048;
const KID_PATTERN = /^[\x21-\x7e]{1,128}$/;
const MEMBERS: Record<"RSA" | "EC", string[]> = {
  RSA: ["kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"],
  EC: ["kty", "crv", "x", "y", "d"],
};

/** A key the service refuses; `message` is safe to show (it names the rule, not the key). */
export class KeyRefusedError extends Error {}

const refuse = (message: string): never => {
  throw new KeyRefusedError(`privateKey ${message}`);
};

/** Checks a private key (a JWK object or a PKCS#8 PEM string) and answers its normalized form. */
export async function parseServiceAppKey(input: string | Record<string, unknown>): Promise<ServiceAppKey> {
  const size = Buffer.byteLength(typeof input === "string" ? input : JSON.stringify(input));
  if (size > PRIVATE_KEY_MAX_BYTES) refuse(`must be at most 8 KiB (${PRIVATE_KEY_MAX_BYTES} bytes); this one has ${size}`);
  return typeof input === "string" ? fromPem(input) : fromJwk(input);
}

/** The signing key of a sealed (normalized) key, for assertions. */
export async function signingKeyOf(sealed: string): Promise<{ key: CryptoKey; alg: SigningAlg; kid: string | null }> {
  const jwk = JSON.parse(sealed) as JWK;
  const alg = jwk.kty === "RSA" ? "RS256" : "ES256";
  const { importJWK } = await jose();
  return { key: (await importJWK(jwk, alg)) as CryptoKey, alg, kid: jwk.kid ?? null };
}

async function fromJwk(jwk: Record<string, unknown>): Promise<ServiceAppKey> {
  const { kty, crv, kid, alg } = jwk;
  if (kid !== undefined && (typeof kid !== "string" || !KID_PATTERN.test(kid))) refuse("kid must be 1-128 printable characters without spaces");
  if (kty === "OKP") refuse(`has an unsupported key type (OKP${typeof crv === "string" ? ` ${crv}` : ""}): use RSA (at least 2048 bits) or EC P-256`);
  if (kty !== "RSA" && kty !== "EC") refuse('must be a JWK with kty "RSA" or "EC"');
  if (kty === "EC" && crv !== "P-256") refuse(`uses an unsupported curve${typeof crv === "string" ? ` (${crv.slice(0, 20)})` : ""}: only P-256 is accepted for EC keys`);
  if (jwk.d === undefined) refuse('is a public key (the JWK has no "d"): send the private key');
  const expected: SigningAlg = kty === "RSA" ? "RS256" : "ES256";
  if (alg !== undefined && alg !== expected) refuse(`alg must be ${expected} for an ${kty} key (or be left out)`);
  const members = MEMBERS[kty as "RSA" | "EC"];
  for (const name of members) if (typeof jwk[name] !== "string") refuse(`is not a valid ${kty} private JWK (member "${name}" is missing or not a string)`);
  const picked = Object.fromEntries(members.map((name) => [name, jwk[name]])) as JWK;
  let key: CryptoKey;
  try {
    key = (await (await jose()).importJWK(picked, expected, { extractable: true })) as CryptoKey;
  } catch {
    return refuse(`is not a valid ${kty} private JWK`);
  }
  return normalized(key, expected, typeof kid === "string" ? kid : null);
}

async function fromPem(pem: string): Promise<ServiceAppKey> {
  const text = pem.trim();
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(text)) refuse("is a public key: send the private key (PKCS#8, BEGIN PRIVATE KEY)");
  if (text.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) refuse("must not be encrypted: send an unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
  if (/-----BEGIN (RSA|EC) PRIVATE KEY-----/.test(text)) refuse("must be PKCS#8 (BEGIN PRIVATE KEY): convert it with openssl pkcs8 -topk8 -nocrypt");
  if (!/^-----BEGIN PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PRIVATE KEY-----$/.test(text)) {
    refuse("must be a private JWK object or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)");
  }
  const alg = algOfPem(text);
  let key: CryptoKey;
  try {
    key = (await (await jose()).importPKCS8(text, alg, { extractable: true })) as CryptoKey;
  } catch {
    return refuse("is not a valid PKCS#8 private key");
  }
  return normalized(key, alg, null); // a PEM carries no kid
}

/** What a PEM holds (RSA, or EC on which curve), so a refusal can say which rule it breaks. */
function algOfPem(pem: string): SigningAlg {
  let details: { type?: string; curve?: string };
  try {
    const key = createPrivateKey({ key: pem, format: "pem" });
    details = { type: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve };
  } catch {
    return refuse("is not a valid PKCS#8 private key (the PEM does not decode)");
  }
  if (details.type === "rsa") return "RS256";
  if (details.type === "ec" && details.curve === "prime256v1") return "ES256";
  if (details.type === "ec") return refuse(`uses an unsupported curve (${details.curve}): only P-256 is accepted for EC keys`);
  return refuse(`has an unsupported key type (${details.type}): use RSA (at least 2048 bits) or EC P-256`);
}

async function normalized(key: CryptoKey, alg: SigningAlg, kid: string | null): Promise<ServiceAppKey> {
  const jwk = await (await jose()).exportJWK(key);
  if (alg === "RS256") {
    const bits = rsaBits(jwk.n!);
    if (bits < MIN_RSA_BITS) refuse(`is an RSA key of ${bits} bits: RSA keys must have at least ${MIN_RSA_BITS} bits`);
  }
  const members = MEMBERS[alg === "RS256" ? "RSA" : "EC"];
  const form: Record<string, unknown> = Object.fromEntries(members.map((name) => [name, (jwk as Record<string, unknown>)[name]]));
  if (kid !== null) form.kid = kid;
  return { sealed: JSON.stringify(form), keyId: kid, alg };
}

/** The modulus size: its bytes without leading zeros. */
function rsaBits(n: string): number {
  const bytes = Buffer.from(n, "base64url");
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}
