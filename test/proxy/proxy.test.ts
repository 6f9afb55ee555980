import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, rawText, startHarness, type Harness } from "../support/harness";
import type { FakeRequest } from "../support/fake-okta";
import { rawRequest } from "./raw-http";

/** Contract section 7 on the node server: real DynamoDB Local, local KMS, a recording fake Okta. */
let h: Harness;
let admin: string;
let apiToken: string;
let readOnly: string; // default policy
let writable: string; // a policy with '*' and '**'

const ORG = "org-proxy";
const proxyPath = (id: string, rest: string) => `/api/v1/app-connections/okta/${id}/proxy/${rest}`;
const USERS = [
  { id: "00u1", profile: { login: "ada@example.com" } },
  { id: "00u2", profile: { login: "grace@example.com" } },
  { id: "00u3", profile: { login: "linus@example.com" } },
];

/** Okta's paging: `limit` per page, `after` the last id seen, `link` headers with absolute URLs. */
function usersPage(okta: string) {
  return (req: FakeRequest) => {
    const url = new URL(req.path, okta);
    const limit = Number(url.searchParams.get("limit") ?? 200);
    const after = url.searchParams.get("after");
    const start = after ? USERS.findIndex((u) => u.id === after) + 1 : 0;
    const page = USERS.slice(start, start + limit);
    const links = [`<${okta}${req.path}>; rel="self"`];
    if (start + limit < USERS.length) links.push(`<${okta}/api/v1/users?after=${page[page.length - 1]!.id}&limit=${limit}>; rel="next"`);
    return {
      status: 200,
      headers: {
        link: links.join(", "),
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": "598",
        "x-rate-limit-reset": "1800000000",
        "set-cookie": "JSESSIONID=okta-session; Path=/",
        "x-okta-request-id": "okta-req-1",
      },
      body: page,
    };
  };
}

beforeAll(async () => {
  h = await startHarness({ oktaTimeoutMs: 500 });
  admin = await h.token({ orgId: ORG, orgRole: "admin" });
  apiToken = h.validOktaToken();
  const create = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: createBody(h, name, extra, apiToken) });
    expect(res.status, res.text).toBe(200);
    return res.body.appConnection;
  };
  const ro = await create("read-only");
  expect(ro.proxy).toEqual({ allow: ["GET /api/v1/**"] });
  readOnly = ro.id;
  writable = (await create("writable", { proxy: { allow: ["GET /api/v1/**", "POST /api/v1/groups/*/users/**", "DELETE /api/v1/users/*/sessions", "POST /api/v1/users"] } })).id;
  h.okta.route("GET /api/v1/users", usersPage(h.okta.origin));
});
afterAll(() => h?.close());

describe("a proxied call", () => {
  it("sends exactly one request with the stored credential, the query as given, and nothing of the caller's", async () => {
    const seen = await h.untouched();
    const res = await rawRequest(h.base, "GET", proxyPath(readOnly, "api/v1/users?limit=2&limit=3&filter=status%20eq%20%22ACTIVE%22"), {
      headers: {
        authorization: `Bearer ${admin}`,
        cookie: "session=caller-cookie",
        "x-forwarded-for": "203.0.113.9",
        "x-forwarded-host": "evil.example",
        "x-custom": "caller",
        accept: "text/html",
        "user-agent": "caller-agent",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers["x-upstream"]).toBe("okta");
    expect(res.body).toEqual(USERS.slice(0, 2));
    expect(seen.oktaCalls()).toBe(1);
    const sent = h.okta.requests.at(-1)!;
    expect(sent.method).toBe("GET");
    expect(sent.path).toBe("/api/v1/users?limit=2&limit=3&filter=status%20eq%20%22ACTIVE%22");
    expect(sent.headers.authorization).toBe(`SSWS ${apiToken}`);
    expect(sent.headers.accept).toBe("application/json");
    expect(Object.keys(sent.headers).sort()).toEqual(["accept", "authorization", "connection", "host", "user-agent"]);
    expect(sent.headers["user-agent"]).toBe("okta-app-connections");
    expect(JSON.stringify(sent.headers)).not.toContain(admin);
    expect(JSON.stringify(sent.headers)).not.toContain("caller");
  });

  it("answers with Okta's allowed headers only, and rewrites link to the proxy on the caller's origin", async () => {
    const res = await h.call("GET", proxyPath(readOnly, "api/v1/users?limit=2"), { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-rate-limit-limit")).toBe("600");
    expect(res.headers.get("x-rate-limit-remaining")).toBe("598");
    expect(res.headers.get("x-rate-limit-reset")).toBe("1800000000");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("x-okta-request-id")).toBeNull();
    const proxied = `${h.base}${proxyPath(readOnly, "")}`;
    expect(res.headers.get("link")).toBe(`<${proxied}api/v1/users?limit=2>; rel="self", <${proxied}api/v1/users?after=00u2&limit=2>; rel="next"`);
    expect(res.headers.get("link")).not.toContain(h.okta.origin);

    // Following Okta's paging through the service.
    const next = /<([^>]+)>; rel="next"/.exec(res.headers.get("link")!)![1]!;
    const page2 = await fetch(next, { headers: { authorization: `Bearer ${admin}` } });
    expect(page2.status).toBe(200);
    expect(await page2.json()).toEqual([USERS[2]]);
    expect(page2.headers.get("link")).not.toContain("rel=\"next\"");
  });

  it("links use the Host the caller used, never X-Forwarded-Host", async () => {
    const res = await rawRequest(h.base, "GET", proxyPath(readOnly, "api/v1/users?limit=1"), {
      headers: { authorization: `Bearer ${admin}`, host: "connections.example.test:8443", "x-forwarded-host": "evil.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.link).toContain(`<http://connections.example.test:8443${proxyPath(readOnly, "api/v1/users?after=00u1&limit=1")}>; rel="next"`);
    expect(res.headers.link).not.toContain("evil.example");
  });

  it("passes Okta's 4xx, 5xx and 429 as they came, with the rate-limit headers", async () => {
    h.okta.route("GET /api/v1/groups", () => ({
      status: 429,
      headers: { "x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1800000060", "retry-after": "17" },
      body: { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." },
    }));
    h.okta.route("GET /api/v1/apps", () => ({ status: 500, body: { errorCode: "E0000009", errorSummary: "Internal Server Error" } }));
    try {
      const limited = await h.call("GET", proxyPath(readOnly, "api/v1/groups"), { token: admin });
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." });
      expect(limited.headers.get("x-upstream")).toBe("okta");
      expect(limited.headers.get("retry-after")).toBe("17");
      expect(limited.headers.get("x-rate-limit-remaining")).toBe("0");
      expect(limited.headers.get("x-rate-limit-reset")).toBe("1800000060");
      const failed = await h.call("GET", proxyPath(readOnly, "api/v1/apps"), { token: admin });
      expect(failed.status).toBe(500);
      expect(failed.body.errorCode).toBe("E0000009");
      expect(failed.headers.get("x-upstream")).toBe("okta");
      const missing = await h.call("GET", proxyPath(readOnly, "api/v1/nothing-here"), { token: admin });
      expect(missing.status).toBe(404);
      expect(missing.body.errorCode).toBe("E0000007");
      expect(missing.headers.get("x-upstream")).toBe("okta");
    } finally {
      h.okta.route("GET /api/v1/groups", null);
      h.okta.route("GET /api/v1/apps", null);
    }
  });
});

describe("the policy", () => {
  it("the default is read-only: a POST is 403 naming method and path, and never reaches Okta", async () => {
    const seen = await h.untouched();
    const res = await h.call("POST", proxyPath(readOnly, "api/v1/users?activate=true"), { token: admin, body: { profile: {} } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "PermissionDenied", statusCode: 403 });
    expect(res.body.message).toContain("POST /api/v1/users");
    expect(res.headers.get("x-upstream")).toBeNull();
    await seen.check();
  });

  it("'*' takes one segment and a final '**' any rest", async () => {
    h.okta.respondWith((req) => ({ status: 200, body: { echoed: `${req.method} ${req.path}` } }));
    try {
      const cases: [string, string, number][] = [
        ["POST", "api/v1/groups/00g1/users/00u1", 200],
        ["POST", "api/v1/groups/00g1/users/00u1/more", 200],
        ["POST", "api/v1/groups/00g1/users", 403],
        ["DELETE", "api/v1/users/00u1/sessions", 200],
        ["DELETE", "api/v1/users/00u1", 403],
        ["PUT", "api/v1/users/00u1", 403],
        ["PATCH", "api/v1/users/00u1", 403],
      ];
      for (const [method, path, status] of cases) {
        const res = await h.call(method, proxyPath(writable, path), { token: admin });
        expect(res.status, `${method} ${path}`).toBe(status);
        if (status === 200) expect(res.body).toEqual({ echoed: `${method} /${path}` });
      }
    } finally {
      h.okta.respondWith(null);
    }
  });

  it("is changed by PATCH (validated: at most 50 rules of the grammar)", async () => {
    const id = (await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: createBody(h, "patched-policy", {}, apiToken) })).body.appConnection.id;
    const bad = await h.call("PATCH", `/api/v1/app-connections/okta/${id}`, { token: admin, body: { proxy: { allow: ["GET /oauth2/v1/token"] } } });
    expect(bad.status).toBe(422);
    const tooMany = await h.call("PATCH", `/api/v1/app-connections/okta/${id}`, {
      token: admin,
      body: { proxy: { allow: Array.from({ length: 51 }, (_, i) => `GET /api/v1/r${i}`) } },
    });
    expect(tooMany.status).toBe(422);
    h.okta.route("PUT /api/v1/users/00u1", (req) => ({ status: 200, body: JSON.parse(req.body) }));
    expect((await h.call("PUT", proxyPath(id, "api/v1/users/00u1"), { token: admin, body: { profile: { x: 1 } } })).status).toBe(403);
    const patched = await h.call("PATCH", `/api/v1/app-connections/okta/${id}`, { token: admin, body: { proxy: { allow: ["PUT /api/v1/users/*"] } } });
    expect(patched.body.appConnection.proxy).toEqual({ allow: ["PUT /api/v1/users/*"] });
    expect((await h.call("PUT", proxyPath(id, "api/v1/users/00u1"), { token: admin, body: { profile: { x: 1 } } })).status).toBe(200);
    expect((await h.call("GET", proxyPath(id, "api/v1/users"), { token: admin })).status).toBe(403); // the default is gone
  });
});

describe("path safety", () => {
  const tricks = [
    "api/v1/users/../groups",
    "api/v1/./users",
    "api/v1/users/..",
    "api/v1/%2e%2e/groups",
    "api/v1/%2E%2e/groups",
    "api/v1/.%2E/groups",
    "api/v1/%252e%252e/groups",
    "api/v1/users%2F00u1",
    "api/v1/users%2f00u1",
    "api/v1/users%5C00u1",
    "api/v1\\users",
    "api/v1/users\\..\\..\\x",
    "api/v1//users",
    "api/v2/users",
    "oauth2/v1/token",
    "api/v1/../../../../../../healthz",
    "../../../../../../healthz",
    "%2e%2e/%2e%2e/okta",
  ];
  it.each(tricks)("refuses %s with 422, before anything leaves", async (trick) => {
    const seen = await h.untouched();
    const res = await rawRequest(h.base, "GET", proxyPath(readOnly, trick), { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ error: "ValidationFailure", statusCode: 422 });
    expect(res.headers["x-upstream"]).toBeUndefined();
    await seen.check();
  });

  it("dot segments before /proxy/ are refused too; authentication still comes first", async () => {
    const seen = await h.untouched();
    const dotted = await rawRequest(h.base, "GET", `/api/v1/app-connections/okta/${readOnly}/x/../proxy/api/v1/users`, { headers: { authorization: `Bearer ${admin}` } });
    expect(dotted.status).toBe(422);
    const anonymous = await rawRequest(h.base, "GET", proxyPath(readOnly, "api/v1/../x"));
    expect(anonymous.status).toBe(401);
    await seen.check();
  });
});

describe("bodies", () => {
  it("a write carries the JSON body byte for byte with Content-Type: application/json", async () => {
    h.okta.route("POST /api/v1/users", (req) => ({ status: 201, body: { id: "00unew", received: JSON.parse(req.body) } }));
    const text = '{"profile": {"login":"new@example.com"} }';
    const res = await rawRequest(h.base, "POST", proxyPath(writable, "api/v1/users?activate=false"), {
      headers: { authorization: `Bearer ${admin}`, "content-type": "text/plain", "content-length": String(Buffer.byteLength(text)) },
      body: text,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: "00unew", received: { profile: { login: "new@example.com" } } });
    const sent = h.okta.requests.at(-1)!;
    expect(sent.body).toBe(text);
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.path).toBe("/api/v1/users?activate=false");
  });

  it("a body that is not JSON is 422, one over 64 KiB 413, neither reaching Okta", async () => {
    const seen = await h.untouched();
    const notJson = await h.call("POST", proxyPath(writable, "api/v1/users"), { token: admin, rawBody: "profile=x", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(422);
    const big = await h.call("POST", proxyPath(writable, "api/v1/users"), { token: admin, body: { pad: "x".repeat(70 * 1024) } });
    expect(big.status).toBe(413);
    await seen.check();
  });
});

describe("failures of the exchange", () => {
  it("a redirect from Okta is not followed: 502 UpstreamUnavailable", async () => {
    h.okta.route("GET /api/v1/moved", () => ({ status: 301, headers: { location: "http://169.254.169.254/latest/meta-data" } }));
    const seen = await h.untouched();
    const res = await h.call("GET", proxyPath(readOnly, "api/v1/moved"), { token: admin });
    expect(res.status).toBe(502);
    expect(res.body.error).toBe("UpstreamUnavailable");
    expect(res.headers.get("x-upstream")).toBeNull();
    expect(res.headers.get("location")).toBeNull();
    expect(seen.oktaCalls()).toBe(1);
    const line = h.logs.map((l) => JSON.parse(l)).filter((l) => l.message === "proxy").at(-1);
    expect(line).toMatchObject({ path: "/api/v1/moved", status: 301, error: "UpstreamUnavailable" });
  });

  it("an answer over 5 MiB is 502 UpstreamResponseTooLarge", async () => {
    h.okta.route("GET /api/v1/logs", () => ({ status: 200, body: JSON.stringify(["x".repeat(5 * 1024 * 1024)]) }));
    const res = await h.call("GET", proxyPath(readOnly, "api/v1/logs"), { token: admin });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: "UpstreamResponseTooLarge", statusCode: 502 });
    expect(res.headers.get("x-upstream")).toBeNull();
  });

  it("no answer within the Okta timeout is 504 UpstreamTimeout", async () => {
    h.okta.route("GET /api/v1/slow", () => ({ status: 200, body: [], delayMs: 3_000 }));
    const res = await h.call("GET", proxyPath(readOnly, "api/v1/slow"), { token: admin });
    expect(res.status).toBe(504);
    expect(res.body.error).toBe("UpstreamTimeout");
    expect(res.headers.get("x-upstream")).toBeNull();
  });
});

describe("who may", () => {
  it("project viewer 403, project member passes, no role 403, another org's connection 404", async () => {
    const project = (await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: createBody(h, "in-project", { projectId: "web" }, apiToken) })).body.appConnection.id;
    const as = (projects: Record<string, "viewer" | "member" | "admin">, orgId = ORG) => h.token({ orgId, orgRole: "member", projects });
    const seen = await h.untouched();
    const viewer = await h.call("GET", proxyPath(project, "api/v1/users"), { token: await as({ web: "viewer" }) });
    expect(viewer.status).toBe(403);
    expect((await h.call("GET", proxyPath(project, "api/v1/users"), { token: await as({}) })).status).toBe(403);
    expect((await h.call("GET", proxyPath(project, "api/v1/users"), { token: await as({ web: "admin" }, "org-other") })).status).toBe(404);
    await seen.check();
    expect((await h.call("GET", proxyPath(project, "api/v1/users"), { token: await as({ web: "member" }) })).status).toBe(200);
    // An org-level connection: any member of the org may use it.
    expect((await h.call("GET", proxyPath(readOnly, "api/v1/users"), { token: await as({}) })).status).toBe(200);
  });
});

describe("audit", () => {
  it("a write is an audit event use-app-connection; a read only a log line; never the query or a secret", async () => {
    h.okta.route("DELETE /api/v1/users/00u9/sessions", () => ({ status: 204 }));
    const before = (await h.call("GET", "/api/v1/audit-logs", { token: admin })).body.auditLogs.length;
    const res = await h.call("DELETE", proxyPath(writable, "api/v1/users/00u9/sessions?oauthTokens=secret-query-value"), { token: admin });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    await h.call("GET", proxyPath(writable, "api/v1/users?search=secret-query-value"), { token: admin });

    const logs = (await h.call("GET", "/api/v1/audit-logs", { token: admin })).body.auditLogs;
    expect(logs.length).toBe(before + 1);
    expect(logs[0]).toMatchObject({
      action: "use-app-connection",
      actor: { type: "user", id: "user-1" },
      connectionId: writable,
      orgId: ORG,
      projectId: null,
      metadata: { name: "writable", app: "okta", method: "DELETE", path: "/api/v1/users/00u9/sessions", status: 204 },
    });

    const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.message === "proxy" && l.connectionId === writable);
    expect(lines.slice(-2)).toEqual([
      expect.objectContaining({ actor: { type: "user", id: "user-1" }, method: "DELETE", path: "/api/v1/users/00u9/sessions", status: 204, ms: expect.any(Number) }),
      expect.objectContaining({ method: "GET", path: "/api/v1/users", status: 200 }),
    ]);
    expect(h.logs.join("\n")).not.toContain("secret-query-value");
    expect(rawText(await h.scan())).not.toContain("secret-query-value");
  });

  it("a write whose answer never came is audited with the service's error code (Okta may have acted)", async () => {
    h.okta.route("POST /api/v1/users", () => ({ status: 201, body: {}, delayMs: 3_000 }));
    try {
      const res = await h.call("POST", proxyPath(writable, "api/v1/users"), { token: admin, body: { profile: { login: "slow@example.com" } } });
      expect(res.status).toBe(504);
      const [latest] = (await h.call("GET", "/api/v1/audit-logs", { token: admin })).body.auditLogs;
      expect(latest).toMatchObject({ action: "use-app-connection", metadata: { method: "POST", path: "/api/v1/users", error: "UpstreamTimeout" } });
      expect(latest.metadata.status).toBeUndefined();
    } finally {
      h.okta.route("POST /api/v1/users", null);
    }
  });

  it("the API token is in no response, log line or table item", async () => {
    const res = await h.call("GET", proxyPath(readOnly, "api/v1/users"), { token: admin });
    expect(res.text).not.toContain(apiToken);
    expect(JSON.stringify([...res.headers])).not.toContain(apiToken);
    expect(h.logs.join("\n")).not.toContain(apiToken);
    expect(rawText(await h.scan())).not.toContain(apiToken);
  });
});

describe("the OpenAPI document", () => {
  it("lists the proxy route for its five methods with the {path} parameter", async () => {
    const doc = (await h.call("GET", "/openapi.json")).body;
    const route = doc.paths["/api/v1/app-connections/okta/{connectionId}/proxy/{path}"];
    expect(Object.keys(route).sort()).toEqual(["delete", "get", "patch", "post", "put"]);
    expect(route.get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:connectionId", "path:path"]);
    expect(route.post.requestBody.required).toBe(false);
  });
});
