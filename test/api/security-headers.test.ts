import { describe, expect, it } from "vitest";
import { applySecurityHeaders } from "../../functions/api/security-headers";

describe("security headers", () => {
  it("gives API answers OWASP's REST set, no-store included, and none of the document-only headers", () => {
    const headers = new Headers({ "content-type": "application/json" });
    applySecurityHeaders(headers);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("x-frame-options")).toBe("DENY");
    expect(headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(headers.get("referrer-policy")).toBe("no-referrer");
    expect(headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(headers.has("x-xss-protection")).toBe(false);
    expect(headers.has("origin-agent-cluster")).toBe(false);
  });

  it("gives HTML pages the document set too and keeps a route's own Cache-Control", () => {
    const headers = new Headers({ "content-type": "text/html; charset=UTF-8", "cache-control": "no-cache" });
    applySecurityHeaders(headers);
    expect(headers.get("cache-control")).toBe("no-cache");
    expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(headers.get("x-xss-protection")).toBe("0");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
  });
});
