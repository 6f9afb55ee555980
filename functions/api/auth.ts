import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
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
  sub: z.string().min(1).max(256),
  org_id: z.string().regex(ID_PATTERN),
  exp: z.number(),
  org_role: z.enum(["admin", "member"]).default("member"),
  projects: z.record(z.string().regex(ID_PATTERN), z.enum(["admin", "member", "viewer"])).default({}),
});

/**
 * Contract section 3: HS256 with the UTF-8 bytes of a shared secret (local mode), or a JWKS with
 * issuer and audience (AWS mode). Only the configured algorithm is accepted, so `none` and
 * algorithm-confusion tokens fail. The JWKS is fetched lazily and cached by jose for the process.
 */
export function createAuthenticator(options: AuthOptions): Authenticate {
  const key: Uint8Array | JWTVerifyGetKey =
    options.kind === "hs256" ? new TextEncoder().encode(options.secret) : createRemoteJWKSet(new URL(options.url));
  const verifyOptions =
    options.kind === "hs256"
      ? { algorithms: ["HS256"] }
      : { algorithms: [options.algorithm], issuer: options.issuer, audience: options.audience };

  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_.-]{1,8192})$/.exec(authorization?.trim() ?? "");
    if (!match?.[1]) throw unauthorized();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(match[1], key as Uint8Array, { ...verifyOptions, requiredClaims: ["exp", "sub"] }));
    } catch {
      throw unauthorized("The bearer token is invalid or expired");
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized("The bearer token lacks valid sub, org_id, exp, org_role or projects claims");
    const { sub, org_id, org_role, projects } = claims.data;
    return { type: "user", id: sub, orgId: org_id, orgRole: org_role, projects };
  };
}
