import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Actor } from "../core/connections/model";
import { ConfigError, HS256_MIN_SECRET_BYTES, jwksSettings, type Config } from "../core/config";
import { authUnavailable, unauthorized } from "../core/errors";
import { actorFromClaims, type Authenticate } from "./claims";
import { setEvictingOldest } from "../core/bounded-map";

export type AuthOptions =
  | { kind: "hs256"; secret: string }
  | { kind: "jwks"; url: string; issuer: string; audience: string; algorithm: string; timeoutMs?: number };

/** The issuer's JWKS when configured (with its issuer and audience); a shared HS256 secret otherwise. */
export function authOptionsFrom(config: Config): AuthOptions {
  if (config.AUTH_JWKS_URL) return { kind: "jwks", ...jwksSettings(config) };
  if (config.AUTH_JWT_SECRET) return { kind: "hs256", secret: config.AUTH_JWT_SECRET };
  throw new ConfigError("Set AUTH_JWKS_URL (with AUTH_ISSUER and AUTH_AUDIENCE) or AUTH_JWT_SECRET");
}

/** `Authorization: Bearer <jwt>`; the scheme is case-insensitive (RFC 9110 section 11.1). */
const BEARER = /^Bearer ([A-Za-z0-9_.-]{1,8192})$/i;

/** The JWKS could not be fetched (down, slow, not a key set): nothing is known about the token. */
class JwksUnavailable extends Error {}

/**
 * Errors of the remote key set that are about the token (its `kid` or `alg` matches no key), not
 * about reaching the issuer: those stay 401. Everything else it throws means the keys are out of
 * reach (fetch failure, timeout, non-200, bad JSON, not a key set).
 */
const TOKEN_KEY_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported, errors.JOSEAlgNotAllowed];

function remoteKeys(options: { url: string; timeoutMs?: number }): JWTVerifyGetKey {
  // Built on the first verification, not at import: building it constructs a fetch `Headers`, which
  // makes Node load its HTTP client (undici). jose then caches the keys for the process's life.
  let remote: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    remote ??= createRemoteJWKSet(new URL(options.url), { timeoutDuration: options.timeoutMs ?? 5_000 });
    try {
      return await remote(header, token);
    } catch (error) {
      if (TOKEN_KEY_ERRORS.some((type) => error instanceof type)) throw error;
      throw new JwksUnavailable("JWKS unavailable", { cause: error });
    }
  };
}

function hs256Key(secret: string): JWTVerifyGetKey {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < HS256_MIN_SECRET_BYTES) throw new ConfigError(`AUTH_JWT_SECRET must be at least ${HS256_MIN_SECRET_BYTES} bytes`);
  // Imported as an HMAC key once, not by jose on every request (a raw Uint8Array key costs a
  // WebCrypto importKey per verification: about half of a GET's app time).
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]));
}

/**
 * Full verification, for the local server (`npm start`) and any process that sees the raw token:
 * contract section 3, HS256 with the UTF-8 bytes of a shared secret (local mode), or a JWKS with
 * issuer and audience (AWS mode). Only the configured algorithm is accepted, so `none` and
 * algorithm-confusion tokens fail. The Lambda behind API Gateway uses gateway-auth.ts instead.
 */
export function createAuthenticator(options: AuthOptions): Authenticate {
  const key = options.kind === "hs256" ? hs256Key(options.secret) : remoteKeys(options);
  const verifyOptions =
    options.kind === "hs256"
      ? { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] }
      : { algorithms: [options.algorithm], issuer: options.issuer, audience: options.audience, requiredClaims: ["exp", "sub"] };

  // Clients send the same token on every call: a token that verified is trusted again, byte for
  // byte, until its `exp` and for at most VERIFIED_TTL_S (shorter than jose's 10-minute JWKS cache,
  // so a key the issuer drops is not honoured longer than before). Only verified tokens enter.
  const verified = new Map<string, { actor: Actor; until: number }>();

  async function verify(header: string, now: number): Promise<Actor> {
    const match = BEARER.exec(header);
    if (!match?.[1]) throw unauthorized();
    const token = match[1];
    verified.delete(token); // expired, if it was there
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, verifyOptions));
    } catch (error) {
      if (error instanceof JwksUnavailable) throw authUnavailable(error.cause);
      throw unauthorized("The bearer token is invalid or expired");
    }
    const { actor, exp } = actorFromClaims(payload);
    setEvictingOldest(verified, token, { actor, until: Math.min(exp, now + VERIFIED_TTL_S) }, VERIFIED_MAX);
    return actor;
  }

  return (c) => {
    const header = c.req.header("authorization")?.trim() ?? "";
    const now = Math.floor(Date.now() / 1000); // jose's own clock: valid while exp > now
    // Looked up before the format check: a token in the cache passed it when it was verified.
    const hit = verified.get(header.slice(BEARER_PREFIX.length));
    if (hit && hit.until > now && header.slice(0, BEARER_PREFIX.length).toLowerCase() === BEARER_PREFIX) return hit.actor;
    return verify(header, now);
  };
}

const BEARER_PREFIX = "bearer ";
const VERIFIED_MAX = 1_000;
const VERIFIED_TTL_S = 60;
