import type { Context } from "hono";
import { unauthorized } from "../core/errors";
import { actorFromClaims, type Authenticate } from "./claims";

/**
 * The Lambda behind API Gateway: every `/api/` route has the HTTP API's JWT authorizer, which
 * verified the token's signature, issuer, audience and expiry before invoking us, and only API
 * Gateway may invoke the function (its resource policy, infra/api.ts). So the claims the
 * authorizer hands over are used as they are: no JWKS is fetched, no JWT library is loaded.
 * They still pass the same zod-checked actor parsing as a token verified here (claims.ts), and
 * issuer, audience and expiry are compared again, cheaply, in case a route lost its authorizer.
 *
 * A request without authorizer claims is 401: defence in depth, not the gate.
 */
export function trustGatewayAuthorizer(expected: { issuer: string; audience: string }): Authenticate {
  return async (c) => {
    const raw = gatewayClaims(c);
    if (!raw) throw unauthorized();
    const claims = decodeGatewayClaims(raw);
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== expected.issuer || !claims.aud?.includes(expected.audience) || !(typeof claims.exp === "number" && claims.exp > now)) {
      throw unauthorized("The bearer token is invalid or expired");
    }
    return actorFromClaims(claims).actor;
  };
}

/** `requestContext.authorizer.jwt.claims` of the API Gateway HTTP API (payload 2.0) event, if any. */
function gatewayClaims(c: Context): Record<string, unknown> | undefined {
  const claims = (c.env as { event?: { requestContext?: { authorizer?: { jwt?: { claims?: unknown } } } } } | undefined)?.event?.requestContext?.authorizer?.jwt
    ?.claims;
  return claims && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
}

/**
 * API Gateway passes every claim as a string, and AWS documents no encoding for the others: a
 * number arrives as its digits (`"exp": "1700000000"`), an array as `[a b]` (space-separated in
 * brackets), an object as Go's `map[key:value key2:value2]`. Each claim this service reads is
 * decoded from those forms, from JSON text, or taken as it is when it already has its type;
 * anything else decodes to `undefined`, which the actor parsing refuses (401) instead of guessing.
 */
export function decodeGatewayClaims(raw: Record<string, unknown>) {
  return {
    sub: raw.sub,
    org_id: raw.org_id,
    org_role: raw.org_role,
    iss: raw.iss,
    aud: stringList(raw.aud),
    exp: integer(raw.exp),
    projects: stringMap(raw.projects),
  };
}

function integer(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  return typeof value === "string" && /^[0-9]{1,15}$/.test(value) ? Number(value) : undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (value.startsWith("[") && value.endsWith("]")) {
    const json = parseJson(value);
    if (Array.isArray(json)) return stringList(json);
    return value.slice(1, -1).split(" ").filter((v) => v.length > 0);
  }
  return [value];
}

/**
 * `projects`: absent, a JSON object, or `map[p1:admin p2:viewer]`. Project ids may contain `:` but
 * no space, and roles contain neither, so each entry splits at its last `:`.
 */
function stringMap(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object") return value;
  if (typeof value !== "string") return null;
  if (value === "" || value === "map[]") return {};
  if (value.startsWith("{")) return parseJson(value) ?? null;
  if (!value.startsWith("map[") || !value.endsWith("]")) return null;
  const entries: [string, string][] = [];
  for (const entry of value.slice(4, -1).split(" ")) {
    const colon = entry.lastIndexOf(":");
    if (colon <= 0) return null;
    entries.push([entry.slice(0, colon), entry.slice(colon + 1)]);
  }
  return Object.fromEntries(entries);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
