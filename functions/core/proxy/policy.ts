import * as z from "zod/mini";

/**
 * A connection's proxy policy (contract section 7): `"METHOD /path-pattern"` rules, where `*`
 * matches one path segment and a final `**` any rest. Shape only here; matching lives with the proxy.
 */
export const MAX_PROXY_RULES = 50;
export const PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const SEGMENT = "(?:[A-Za-z0-9._~:@!$&'()+,;=-]+|\\*)";
export const PROXY_RULE_PATTERN = new RegExp(`^(?:${PROXY_METHODS.join("|")}) (?:/${SEGMENT})+(?:/\\*\\*)?$|^(?:${PROXY_METHODS.join("|")}) /\\*\\*$`);

export const proxyRuleSchema = z
  .string()
  .check(
    z.maxLength(512, "proxy.allow rules must be at most 512 characters"),
    z.regex(PROXY_RULE_PATTERN, "proxy.allow rules must be 'METHOD /path' (GET, POST, PUT, PATCH or DELETE; '*' for one segment, a final '**' for any rest)"),
  );

export const proxyPolicySchema = z.strictObject({
  allow: z.array(proxyRuleSchema).check(z.maxLength(MAX_PROXY_RULES, `proxy.allow holds at most ${MAX_PROXY_RULES} rules`)),
});
