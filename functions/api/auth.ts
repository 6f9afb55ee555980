import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import * as z from "zod/mini";
import type { Actor } from "../core/connections/model";
import { ID_PATTERN } from "../core/connections/schemas";
import { ConfigError, type Config } from "../core/config";
import { unauthorized } from "../core/errors";

/** Turns an `Authorization` header into the acting user, or throws `Unauthorized`. */
export type Authenticate = (authorization: string | undefined) => Promise<Actor>;

export type AuthOptions =
  | { kind: "hs256"; secret: string }
  | { kind: "jwks"; url: string; issuer?: string; audience?: string; algorithm: string };

/** AWS mode: the issuer's JWKS when configured; a shared HS256 secret otherwise (e.g. a private stage). */
export function authOptionsFrom(config: Config): AuthOptions {
  if (config.AUTH_JWKS_URL) {
    return { kind: "jwks", url: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, algorithm: config.AUTH_JWT_ALGORITHM };
  }
  if (config.AUTH_JWT_SECRET) return { kind: "hs256", secret: config.AUTH_JWT_SECRET };
  throw new ConfigError("Set AUTH_JWKS_URL (with AUTH_ISSUER and AUTH_AUDIENCE) or AUTH_JWT_SECRET");
}

const claimsSchema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  org_id: z.string().check(z.regex(ID_PATTERN)),
  exp: z.number(),
  org_role: z._default(z.enum(["admin", "member"]), "member"),
  projects: z._default(z.record(z.string().check(z.regex(ID_PATTERN)), z.enum(["admin", "member", "viewer"])), {}),
});

/**
 * Contract section 3: HS256 with the UTF-8 bytes of a shared secret (local mode), or a JWKS with
 * issuer and audience (AWS mode). Only the configured algorithm is accepted, so `none` and
 * algorithm-confusion tokens fail. The JWKS is fetched lazily and cached by jose for the process.
 */
export function createAuthenticator(options: AuthOptions): Authenticate {
  // HS256: the secret is imported as an HMAC key once, not by jose on every request (a raw
  // Uint8Array key costs a WebCrypto importKey per verification: about half of a GET's app time).
  let hmacKey: Promise<CryptoKey> | undefined;
  const secretKey = (secret: string) =>
    (hmacKey ??= crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]));
  // JWKS: built on the first verification, not at import. Building it constructs a fetch `Headers`,
  // which makes Node load its HTTP client (undici) — work a cold start otherwise does with its
  // first request anyway. jose then caches the keys for the container's life.
  let remote: JWTVerifyGetKey | undefined;
  const key: JWTVerifyGetKey =
    options.kind === "hs256"
      ? () => secretKey(options.secret)
      : (header, token) => (remote ??= createRemoteJWKSet(new URL(options.url)))(header, token);
  const verifyOptions =
    options.kind === "hs256"
      ? { algorithms: ["HS256"] }
      : { algorithms: [options.algorithm], issuer: options.issuer, audience: options.audience };

  // Clients send the same token on every call: a token that verified is trusted again, byte for
  // byte, until its `exp` and for at most VERIFIED_TTL_S (shorter than jose's 10-minute JWKS cache,
  // so a key the issuer drops is not honoured longer than before). Only verified tokens enter.
  const verified = new Map<string, { actor: Actor; until: number }>();

  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_.-]{1,8192})$/.exec(authorization?.trim() ?? "");
    if (!match?.[1]) throw unauthorized();
    const token = match[1];
    const now = Math.floor(Date.now() / 1000); // jose's own clock: valid while exp > now
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.actor;
    if (hit) verified.delete(token);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, { ...verifyOptions, requiredClaims: ["exp", "sub"] }));
    } catch {
      throw unauthorized("The bearer token is invalid or expired");
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized("The bearer token lacks valid sub, org_id, exp, org_role or projects claims");
    const { sub, org_id, org_role, projects, exp } = claims.data;
    const actor: Actor = Object.freeze({ type: "user", id: sub, orgId: org_id, orgRole: org_role, projects: Object.freeze(projects) });
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!); // oldest first
    verified.set(token, { actor, until: Math.min(exp, now + VERIFIED_TTL_S) });
    return actor;
  };
}

const VERIFIED_MAX = 1_000;
const VERIFIED_TTL_S = 60;
