import { describe, expect, it } from "vitest";
import { answerHeaders, rewriteLinks } from "../../functions/core/proxy/headers";
import { checkProxyTarget } from "../../functions/core/proxy/path";
import { parseRule, proxyPolicySchema } from "../../functions/core/proxy/policy";
import { policyAllows } from "../../functions/core/proxy/policy-match";

/** The pure parts of the proxy: policy grammar and matching, raw path safety, answer headers. */
describe("proxy policy rules", () => {
  it("accepts METHOD /api/v1/... with '*' segments and a final '**'", () => {
    for (const rule of ["GET /api/v1/**", "GET /api/v1/users", "POST /api/v1/groups/*/users/*", "DELETE /api/v1/users/*/sessions", "PUT /api/v1/apps/*/**", "PATCH /api/v1/users/me"]) {
      expect(parseRule(rule), rule).not.toBeNull();
    }
  });

  it("refuses what could never match or is not the grammar", () => {
    for (const rule of [
      "GET /api/v2/users", // outside /api/v1/
      "GET /oauth2/v1/token",
      "GET /api/v1", // nothing after /api/v1
      "GET /**",
      "get /api/v1/users", // methods are upper case
      "HEAD /api/v1/users",
      "GET /api/v1/**/users", // '**' only at the end
      "GET /api/v1/us*ers", // '*' is a whole segment
      "GET /api/v1/../admin",
      "GET /api/v1/./users",
      "GET /api/v1//users",
      "GET /api/v1/users%2Fx",
      "GET  /api/v1/users",
      "GET api/v1/users",
      "GET /api/v1/users?limit=2",
    ]) {
      expect(parseRule(rule), rule).toBeNull();
    }
  });

  it("holds at most 50 rules, each at most 512 characters", () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => `GET /api/v1/r${i}`);
    expect(proxyPolicySchema.safeParse({ allow: rules(50) }).success).toBe(true);
    expect(proxyPolicySchema.safeParse({ allow: rules(51) }).success).toBe(false);
    expect(proxyPolicySchema.safeParse({ allow: [`GET /api/v1/${"a".repeat(520)}`] }).success).toBe(false);
    expect(proxyPolicySchema.safeParse({ allow: [] }).success).toBe(true);
    expect(proxyPolicySchema.safeParse({ allow: ["GET /api/v1/**"], deny: [] }).success).toBe(false);
  });
});

describe("proxy policy matching", () => {
  const policy = { allow: ["GET /api/v1/users/*", "POST /api/v1/groups/*/users/**", "DELETE /api/v1/users/*/sessions"] };
  const cases: [string, string, boolean][] = [
    ["GET", "/api/v1/users/00u1", true],
    ["GET", "/api/v1/users", false], // '*' needs a segment
    ["GET", "/api/v1/users/00u1/groups", false], // '*' is exactly one
    ["POST", "/api/v1/users/00u1", false], // the method is part of the rule
    ["POST", "/api/v1/groups/00g1/users/00u1", true],
    ["POST", "/api/v1/groups/00g1/users/00u1/extra", true], // '**' takes any rest
    ["POST", "/api/v1/groups/00g1/users", false], // ... of at least one segment
    ["DELETE", "/api/v1/users/00u1/sessions", true],
    ["DELETE", "/api/v1/users/00u1/sessions/x", false],
    ["GET", "/api/v1/%75sers/00u1", false], // an encoded letter never matches a literal
    ["GET", "/api/v1/users/", false],
  ];
  it.each(cases)("%s %s -> %s", (method, path, allowed) => {
    expect(policyAllows(policy, method, path)).toBe(allowed);
  });

  it("the default policy reads everything under /api/v1/ and writes nothing", () => {
    const readOnly = { allow: ["GET /api/v1/**"] };
    expect(policyAllows(readOnly, "GET", "/api/v1/users")).toBe(true);
    expect(policyAllows(readOnly, "GET", "/api/v1/groups/00g1/users")).toBe(true);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) expect(policyAllows(readOnly, method, "/api/v1/users")).toBe(false);
  });
});

describe("raw proxied path safety", () => {
  it("keeps the path and the query exactly as sent", () => {
    expect(checkProxyTarget("api/v1/users?limit=2&limit=3&search=profile.email%20eq%20%22a%40b.c%22")).toEqual({
      path: "/api/v1/users",
      query: "limit=2&limit=3&search=profile.email%20eq%20%22a%40b.c%22",
    });
    expect(checkProxyTarget("api/v1/users/a%40b.c")).toEqual({ path: "/api/v1/users/a%40b.c", query: "" });
  });

  it.each([
    "api/v1/users/../groups",
    "api/v1/./users",
    "api/v1/users/..",
    "api/v1/users/.",
    "api/v1/%2e%2e/groups",
    "api/v1/%2E%2e/groups",
    "api/v1/.%2e/groups",
    "api/v1/%2e/groups",
    "api/v1/%252e%252e/groups",
    "api/v1/users%2Fx",
    "api/v1/users%2fx",
    "api/v1/users%252Fx",
    "api/v1/users%5Cx",
    "api/v1\\users",
    "api/v1/users\\..\\x",
    "api/v1//users",
    "api/v1/",
    "api/v1",
    "api/v2/users",
    "oauth2/v1/token",
    "API/v1/users",
    "api/v1/users%zz",
    "api/v1/users name",
    "api/v1/users?q=a b",
    "api/v1/users?q=#x",
  ])("refuses %s", (raw) => {
    expect(() => checkProxyTarget(raw)).toThrow(expect.objectContaining({ code: "ValidationFailure" }));
  });
});

describe("proxied answer headers", () => {
  const instanceUrl = "https://acme.okta.com";
  const proxyBase = "https://api.example.test/api/v1/app-connections/okta/c1/proxy";

  it("rewrites every link to the instanceUrl and leaves others", () => {
    const link = `<https://acme.okta.com/api/v1/users?limit=2>; rel="self", <https://acme.okta.com/api/v1/users?after=00u2&limit=2>; rel="next", <https://elsewhere.example/x>; rel="help"`;
    expect(rewriteLinks(link, instanceUrl, proxyBase)).toBe(
      `<${proxyBase}/api/v1/users?limit=2>; rel="self", <${proxyBase}/api/v1/users?after=00u2&limit=2>; rel="next", <https://elsewhere.example/x>; rel="help"`,
    );
  });

  it("keeps only the allowed headers of Okta", () => {
    const kept = answerHeaders(
      {
        "content-type": "application/json",
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": "599",
        "x-rate-limit-reset": "1700000000",
        "retry-after": "3",
        "set-cookie": ["sid=abc"],
        "x-okta-request-id": "r1",
        server: "nginx",
        "strict-transport-security": "max-age=1",
      },
      { instanceUrl, proxyBase },
    );
    expect(kept).toEqual({
      "content-type": "application/json",
      "x-rate-limit-limit": "600",
      "x-rate-limit-remaining": "599",
      "x-rate-limit-reset": "1700000000",
      "retry-after": "3",
    });
  });
});
