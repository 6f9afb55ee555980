import type { Context } from "hono";
import * as z from "zod/mini";
import type { Actor } from "../core/connections/model";
import { ID_PATTERN } from "../core/connections/schemas";
import { unauthorized } from "../core/errors";
import { isPlainObject } from "../core/validation";

const ORG_ROLES = ["admin", "member"] as const;
const PROJECT_ROLES = ["admin", "member", "viewer"] as const;
const SUB_MAX = 256;

/**
 * The one parser from a token's claims to the acting user (contract section 3), for claims that
 * were verified here (the local server) or by API Gateway's JWT authorizer (the Lambda). Nothing
 * here verifies a signature: callers hand in claims that are already trusted.
 */
const buildSchema = () =>
  z.object({
    sub: z.string().check(z.minLength(1), z.maxLength(SUB_MAX)),
    org_id: z.string().check(z.regex(ID_PATTERN)),
    exp: z.number(),
    org_role: z._default(z.enum(ORG_ROLES), "member"),
    projects: z._default(z.record(z.string().check(z.regex(ID_PATTERN)), z.enum(PROJECT_ROLES)), {}),
  });
type Claims = z.output<ReturnType<typeof buildSchema>>;

/** Built on the first token whose claims the plain reading below does not know (a cold start builds none). */
let claimsSchema: ReturnType<typeof buildSchema> | undefined;
const isOrgRole = (value: unknown): value is Claims["org_role"] => (ORG_ROLES as readonly unknown[]).includes(value);
const isProjectRole = (value: unknown): value is Claims["projects"][string] => (PROJECT_ROLES as readonly unknown[]).includes(value);

/**
 * The claims every token carries, read without zod: the first authenticated request of a cold
 * start then builds and runs no schema. It accepts only what the schema accepts and answers the
 * same (test/api/claims-fast-path.test.ts); anything else is left to the schema.
 */
export function plainClaims(payload: unknown): Claims | undefined {
  if (!isPlainObject(payload)) return undefined;
  const { sub, org_id, exp, org_role, projects } = payload;
  if (typeof sub !== "string" || sub.length < 1 || sub.length > SUB_MAX) return undefined;
  if (typeof org_id !== "string" || !ID_PATTERN.test(org_id) || typeof exp !== "number" || !Number.isFinite(exp)) return undefined;
  if (org_role !== undefined && !isOrgRole(org_role)) return undefined;
  const roles: Claims["projects"] = {};
  if (projects !== undefined) {
    if (!isPlainObject(projects)) return undefined;
    for (const [project, role] of Object.entries(projects)) {
      if (!ID_PATTERN.test(project) || !isProjectRole(role)) return undefined;
      roles[project] = role;
    }
  }
  return { sub, org_id, exp, org_role: org_role ?? "member", projects: roles };
}

/** The claims as the schema reads them, or undefined. */
export function parseClaims(payload: unknown): Claims | undefined {
  const plain = plainClaims(payload);
  if (plain) return plain;
  const parsed = (claimsSchema ??= buildSchema()).safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}

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
  const claims = parseClaims(payload);
  if (!claims) throw unauthorized("The bearer token lacks valid sub, org_id, exp, org_role or projects claims");
  const { sub, org_id, org_role, projects, exp } = claims;
  const actor: Actor = Object.freeze({ type: "user", id: sub, orgId: org_id, orgRole: org_role, projects: Object.freeze(projects) });
  return { actor, exp };
}
