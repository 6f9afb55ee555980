import { createHash, randomUUID } from "node:crypto";
import type { CryptoKey, JWK } from "jose";
import { jose } from "./jose";

/**
 * DPoP proofs (RFC 9449) signed with the service's own ES256 key: made lazily, once per process,
 * held in memory only. It is never a connection's private key, so a proof proves this process
 * holds the token, nothing about the customer's key.
 */
let dpopKey: Promise<{ privateKey: CryptoKey; jwk: JWK }> | undefined;

function serviceDpopKey() {
  dpopKey ??= jose().then(async ({ generateKeyPair, exportJWK }) => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return { privateKey, jwk: { kty, crv, x, y } };
  });
  return dpopKey;
}

export interface ProofClaims {
  /** The request's method. */
  htm: string;
  /** The request's URL without query and fragment. */
  htu: string;
  /** The server's `DPoP-Nonce`, when it asked for one. */
  nonce?: string;
  /** The access token the proof accompanies (its hash becomes `ath`). */
  accessToken?: string;
}

/** A fresh proof (new `jti`, current `iat`) for one request. */
export async function dpopProof(claims: ProofClaims): Promise<string> {
  const { privateKey, jwk } = await serviceDpopKey();
  const payload: Record<string, string> = { htm: claims.htm, htu: htuOf(claims.htu), jti: randomUUID() };
  if (claims.nonce !== undefined) payload.nonce = claims.nonce;
  if (claims.accessToken !== undefined) payload.ath = createHash("sha256").update(claims.accessToken).digest("base64url");
  const { SignJWT } = await jose();
  return new SignJWT(payload).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk }).setIssuedAt().sign(privateKey);
}

/** RFC 9449 4.2: `htu` is the URI without query and fragment. */
export function htuOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
