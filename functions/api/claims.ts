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
type Claims = { sub: string; org_id: string; exp: number; org_role: "admin" | "member"; projects: Record<string, "admin" | "member" | "viewer"> };

/** Built on the first token whose claims the plain reading below does not know (a cold start builds none). */
let claimsSchema: z.ZodMiniType<Claims> | undefined;
const schema = () =>
  (claimsSchema ??= z.object({
    sub: z.string().check(z.minLength(1), z.maxLength(256)),
    org_id: z.string().check(z.regex(ID_PATTERN)),
    exp: z.number(),
    org_role: z._default(z.enum(["admin", "member"]), "member"),
    projects: z._default(z.record(z.string().check(z.regex(ID_PATTERN)), z.enum(["admin", "member", "viewer"])), {}),
  }));

const ORG_ROLES: ReadonlySet<unknown> = new Set(["admin", "member"]);
const PROJECT_ROLES: ReadonlySet<unknown> = new Set(["admin", "member", "viewer"]);
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/**
 * The claims every token carries, read without zod: the first authenticated request of a cold
 * start then builds and runs no schema. It accepts only what the schema accepts and answers the
 * same (test/api/claims-fast-path.test.ts); anything else is left to the schema.
 */
export function plainClaims(payload: unknown): Claims | undefined {
  if (!isPlainObject(payload)) return undefined;
  const { sub, org_id, exp, org_role, projects } = payload;
  if (typeof sub !== "string" || sub.length < 1 || sub.length > 256) return undefined;
  if (typeof org_id !== "string" || !ID_PATTERN.test(org_id) || typeof exp !== "number" || !Number.isFinite(exp)) return undefined;
  if (org_role !== undefined && !ORG_ROLES.has(org_role)) return undefined;
  const roles: Claims["projects"] = {};
  if (projects !== undefined) {
    if (!isPlainObject(projects)) return undefined;
    for (const [project, role] of Object.entries(projects)) {
      if (!ID_PATTERN.test(project) || !PROJECT_ROLES.has(role)) return undefined;
      roles[project] = role as Claims["projects"][string];
    }
  }
  return { sub, org_id, exp, org_role: (org_role as Claims["org_role"] | undefined) ?? "member", projects: roles };
}

/** The claims as the schema reads them, or undefined. */
export function parseClaims(payload: unknown): Claims | undefined {
  const plain = plainClaims(payload);
  if (plain) return plain;
  const parsed = schema().safeParse(payload);
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
