import { generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";

/** A service app key pair as a user would hold it: the private key as JWK and as PKCS#8 PEM, and the public JWK Okta registers. */
export interface TestKeyPair {
  privateJwk: JWK;
  pem: string;
  publicJwk: JWK;
  /** The private key's `d` member: what a leak scan looks for. */
  d: string;
}

export function makeKeyPair(kind: "rsa" | "ec", opts: { kid?: string; bits?: number; curve?: string } = {}): TestKeyPair {
  const { privateKey, publicKey } =
    kind === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: opts.bits ?? 2048 })
      : generateKeyPairSync("ec", { namedCurve: opts.curve ?? "P-256" });
  const kid = opts.kid === undefined ? {} : { kid: opts.kid };
  const privateJwk = { ...(privateKey.export({ format: "jwk" }) as JWK), ...kid };
  return {
    privateJwk,
    pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicJwk: { ...(publicKey.export({ format: "jwk" }) as JWK), ...kid },
    d: privateJwk.d!,
  };
}
