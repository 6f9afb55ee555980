import type { Context } from "hono";
import * as z from "zod/mini";
import type { Actor } from "../core/connections/model";
import { ID_PATTERN } from "../core/connections/schemas";
import { unauthorized } from "../core/errors";

/**
 * The one parser from a token's claims to the acting user (contract section 3), for claims that
 * were verified here (the local server) or by API Gateway's JWT authorizer (the Lambda). Nothing
 * here verifies a signature: callers hand in claims that are already trusted.
 */
const claimsSchema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  org_id: z.string().check(z.regex(ID_PATTERN)),
  exp: z.number(),
  org_role: z._default(z.enum(["admin", "member"]), "member"),
  projects: z._default(z.record(z.string().check(z.regex(ID_PATTERN)), z.enum(["admin", "member", "viewer"])), {}),
});

/**
 * Turns a request into the acting user, or throws `Unauthorized` (or `AuthUnavailable`). Each
 * entry point picks its own: full verification of the bearer token (auth.ts), or the claims API
 * Gateway already verified (gateway-auth.ts).
 */
export type Authenticate = (c: Context) => Actor | Promise<Actor>;

export interface TrustedUser {
  actor: Actor;
  /** The token's `exp`, in seconds since the epoch. */
  exp: number;
}

export function actorFromClaims(payload: unknown): TrustedUser {
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw unauthorized("The bearer token lacks valid sub, org_id, exp, org_role or projects claims");
  const { sub, org_id, org_role, projects, exp } = claims.data;
  const actor: Actor = Object.freeze({ type: "user", id: sub, orgId: org_id, orgRole: org_role, projects: Object.freeze(projects) });
  return { actor, exp };
}
