/**
 * The headers every answer carries, set from fixed lists in one place (the request frame in app.ts).
 *
 * API answers (JSON, proxied Okta answers) get OWASP's REST set: they are data, never rendered, so
 * the document-only headers (Origin-Agent-Cluster, COOP, the legacy X-XSS-Protection,
 * X-Download-Options, X-DNS-Prefetch-Control, X-Permitted-Cross-Domain-Policies) would be noise on
 * every call. `no-store`: an answer about credentials must not sit in a shared or browser cache.
 * HTML pages (the console, /docs) get the document set as well. A route's own Cache-Control (the
 * console's and the docs' assets are cacheable) is kept.
 */
const API: readonly (readonly [string, string])[] = [
  ["cache-control", "no-store"],
  ["cross-origin-resource-policy", "same-origin"],
  ["referrer-policy", "no-referrer"],
  ["strict-transport-security", "max-age=15552000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
];

const DOCUMENT: readonly (readonly [string, string])[] = [
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
];

/** Adds the security headers to an answer's `headers`. */
export function applySecurityHeaders(headers: Headers): void {
  for (const [name, value] of API) if (name !== "cache-control" || !headers.has(name)) headers.set(name, value);
  if (headers.get("content-type")?.startsWith("text/html")) for (const [name, value] of DOCUMENT) headers.set(name, value);
}
