import * as z from "zod/mini";

/**
 * A connection's proxy policy (contract section 7): `"METHOD /path-pattern"` rules, where `*`
 * matches one path segment and a final `**` any rest. The grammar lives here (validation and
 * matching parse rules the same way); matching is in `policy-match.ts`.
 *
 * Decisions the contract leaves open, documented in the README:
 * - Patterns start with `/api/v1/`: the proxy reaches nothing else, so a rule outside it could
 *   never match and is refused as a mistake.
 * - A literal segment uses the characters of a URL path segment, without `%` and `*`; `.` and
 *   `..` are refused (no request path may contain them either).
 * - `**` stands for one or more segments: `/api/v1/users/**` does not match `/api/v1/users` itself.
 */
export const MAX_PROXY_RULES = 50;
export const PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

/** The only path prefix the proxy sends to Okta. */
export const PROXY_PATH_PREFIX = "/api/v1/";

export interface ProxyRule {
  method: ProxyMethod;
  /** Literal segments, or `*` for any one non-empty segment. */
  segments: string[];
  /** The pattern ends in `/**`: one or more further segments. */
  rest: boolean;
}

const LITERAL_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=:@-]+$/;

/** The rule's parts, or null when it is not a rule of the grammar above. */
export function parseRule(rule: string): ProxyRule | null {
  const match = /^([A-Z]+) (\/\S*)$/.exec(rule);
  const method = PROXY_METHODS.find((m) => m === match?.[1]);
  const pattern = match?.[2];
  if (!method || !pattern?.startsWith(PROXY_PATH_PREFIX)) return null;
  const segments = pattern.slice(1).split("/");
  const rest = segments[segments.length - 1] === "**";
  if (rest) segments.pop();
  if (segments.length < 2 || (!rest && segments.length < 3)) return null; // something after /api/v1/
  const valid = segments.every((s) => s === "*" || (LITERAL_SEGMENT.test(s) && s !== "." && s !== ".."));
  return valid ? { method, segments, rest } : null;
}

/** Built on first use, like the connection schemas (connections/schemas.ts). */
export const proxyRuleSchema = z.lazy(() =>
  z.string().check(
    z.maxLength(512, "proxy.allow rules must be at most 512 characters"),
    z.refine((rule) => parseRule(rule) !== null, {
      message:
        "proxy.allow rules must be 'METHOD /api/v1/path' (GET, POST, PUT, PATCH or DELETE; '*' for one segment, a final '**' for any rest)",
    }),
  ),
);

export const proxyPolicySchema = z.lazy(() =>
  z.strictObject({
    allow: z.array(proxyRuleSchema).check(z.maxLength(MAX_PROXY_RULES, `proxy.allow holds at most ${MAX_PROXY_RULES} rules`)),
  }),
);
