import type { IncomingHttpHeaders } from "node:http";

/** Okta's headers a proxied answer keeps (contract section 7); every other one is dropped. */
export const ANSWER_HEADERS = ["content-type", "link", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after"] as const;

/**
 * The headers sent to Okta: the connection's authorization and `Accept`, plus `Content-Type` for
 * a body. Nothing of the caller's request is in here, by construction.
 */
export function requestHeaders(authorization: Record<string, string>, hasBody: boolean): Record<string, string> {
  return { ...authorization, Accept: "application/json", ...(hasBody ? { "Content-Type": "application/json" } : {}) };
}

/**
 * Every `<url>` of a `link` header that points at `instanceUrl` now points at `proxyBase` (the
 * same path and query behind the proxy route), so a client pages through the service. Other URLs
 * are left as they are.
 */
export function rewriteLinks(link: string, instanceUrl: string, proxyBase: string): string {
  return link.replace(/<([^>]*)>/g, (whole, target: string) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return whole;
    }
    return url.origin === instanceUrl ? `<${proxyBase}${url.pathname}${url.search}>` : whole;
  });
}

/** Okta's allowed headers, `link` rewritten. */
export function answerHeaders(okta: IncomingHttpHeaders, links: { instanceUrl: string; proxyBase: string }): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ANSWER_HEADERS) {
    const value = okta[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    kept[name] = name === "link" ? rewriteLinks(text, links.instanceUrl, links.proxyBase) : text;
  }
  return kept;
}
