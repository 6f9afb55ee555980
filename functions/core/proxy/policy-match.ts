import type { ProxyPolicy } from "../connections/model";
import { setEvictingOldest } from "../bounded-map";
import { parseRule, type ProxyRule } from "./policy";

/**
 * Does `rule` allow `method` on `segments`? Literal segments compare exactly (case and
 * percent-encoding included: an encoded letter never matches a literal, so encoding can only
 * narrow what a rule allows, never widen it); `*` takes one non-empty segment; a final `**` takes
 * one or more.
 */
function ruleAllows(rule: ProxyRule, method: string, segments: string[]): boolean {
  if (rule.method !== method) return false;
  if (rule.rest ? segments.length <= rule.segments.length : segments.length !== rule.segments.length) return false;
  return rule.segments.every((want, i) => {
    const got = segments[i]!;
    return got !== "" && (want === "*" || want === got);
  });
}

/**
 * Parsed rules by their text: every proxied call judges its connection's policy, read anew each
 * time, and the same few rules come back call after call. Bounded; the oldest entry goes first.
 */
const parsed = new Map<string, ProxyRule | null>();
const PARSED_MAX = 2_000;

function ruleOf(text: string): ProxyRule | null {
  let rule = parsed.get(text);
  if (rule === undefined) {
    rule = parseRule(text);
    setEvictingOldest(parsed, text, rule, PARSED_MAX);
  }
  return rule;
}

/** Whether the policy lets `method` reach `path` (absolute, checked by `path.ts`, no query). */
export function policyAllows(policy: ProxyPolicy, method: string, path: string): boolean {
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "")) return false;
  return policy.allow.some((text) => {
    const rule = ruleOf(text);
    return rule !== null && ruleAllows(rule, method, segments);
  });
}
