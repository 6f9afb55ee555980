import http from "node:http";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedAddress } from "../../functions/core/okta/url-guard";
import type { FakeResponse } from "../support/fake-okta";
import { createBody, startHarness, TEST_JWT_SECRET, type Harness, type Reply } from "../support/harness";

/**
 * Contract section 2: every row of the error table through the real HTTP server, the envelope
 * `{ reqId, statusCode, error, message }`, "nothing is stored when a request fails", and the
 * order in which the checks run.
 */

const BASE = "/api/v1/app-connections/okta";
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const KIB = 1024;

let h: Harness;
let admin: string;
let nameSeq = 0;
/** A name no other test uses (lowercase, digits, hyphens). */
const fresh = (prefix = "err") => `${prefix}-${++nameSeq}`;

// ---- DNS: tests never touch real DNS; a few names resolve to scripted addresses. ----------------
const DNS: Record<string, ResolvedAddress[]> = {
  "internal.example.com": [{ address: "10.0.0.5", family: 4 }],
  "mixed.example.com": [
    { address: "93.184.216.34", family: 4 },
    { address: "127.0.0.1", family: 4 },
  ],
};
const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
  const found = DNS[hostname];
  if (found) return found;
  const code = hostname === "dns-down.example.com" ? "EAI_AGAIN" : "ENOTFOUND";
  throw Object.assign(new Error(`${code} ${hostname}`), { code });
};

// ---- Assertions ---------------------------------------------------------------------------------

/** The contract's error envelope, with `reqId` equal to the `x-request-id` header. */
function expectEnvelope(res: Reply, status: number, error: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body, res.text).toBeTypeOf("object");
  const { reqId, statusCode, error: code, message, ...rest } = res.body;
  expect(Object.keys(rest).filter((k) => k !== "details")).toEqual([]);
  expect(statusCode).toBe(status);
  expect(code).toBe(error);
  expect(typeof message).toBe("string");
  expect(message.length).toBeGreaterThan(0);
  expect(typeof reqId).toBe("string");
  expect(reqId.length).toBeGreaterThan(0);
  expect(res.headers.get("x-request-id")).toBe(reqId);
}

/**
 * Sends a request that must fail with `status`/`error`, and proves the table is byte-for-byte the
 * same afterwards. `oktaCalls` (when given) is how many requests the fake Okta must have received.
 */
async function failing(send: () => Promise<Reply>, status: number, error: string, opts: { oktaCalls?: number } = {}) {
  const untouched = await h.untouched();
  const res = await send();
  expectEnvelope(res, status, error);
  await untouched.tableUnchanged();
  if (opts.oktaCalls !== undefined) expect(untouched.oktaCalls()).toBe(opts.oktaCalls);
  return res;
}

// ---- Requests -----------------------------------------------------------------------------------

const create = (body: unknown, token: string | null = admin) => h.call("POST", BASE, { token, body });
const patch = (id: string, body: unknown, headers: Record<string, string> = {}, token: string | null = admin) =>
  h.call("PATCH", `${BASE}/${id}`, { token, body, headers });
/** A valid create body with one change applied. */
const bodyWith = (change: (b: any) => void, extra: Record<string, unknown> = {}) => {
  const b: any = createBody(h, fresh(), extra);
  change(b);
  return b;
};
const withUrl = (instanceUrl: string) => bodyWith((b) => (b.credentials.instanceUrl = instanceUrl));
/** A create that would succeed, were it not for the request's other faults. */
const okBody = () => createBody(h, fresh());
/**
 * Sends an oversized body on its own connection (`Connection: close`). The server answers 401/413
 * before reading such a body, and @hono/node-server then drains it for at most 500 ms and destroys
 * the socket; a pooled fetch socket could be reused in that window and fail the NEXT test.
 */
const callUnpooled = (method: string, path: string, opts: { token?: string | null; rawBody: string }) =>
  new Promise<Reply>((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", connection: "close" };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = http.request(h.base + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers, body, text });
      });
    });
    // The server may answer and close before it has read the whole body; that is fine here.
    req.on("error", (err) => ((err as NodeJS.ErrnoException).code === "EPIPE" || (err as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(err)));
    req.end(opts.rawBody);
  });

/** A JSON body of exactly `bytes` bytes; valid JSON, but not a valid create body. */
const jsonOfSize = (bytes: number) => {
  const text = JSON.stringify({ name: "x", pad: "" });
  return JSON.stringify({ name: "x", pad: "a".repeat(bytes - text.length) });
};

// ---- Tokens for the 401 cases ---------------------------------------------------------------------

const SECRET = new TextEncoder().encode(TEST_JWT_SECRET);
const nowS = () => Math.floor(Date.now() / 1000);
const goodClaims = () => ({ sub: "user-1", org_id: "org-a", org_role: "admin", projects: {}, exp: nowS() + 3600 });
const hs256 = (claims: Record<string, unknown>, key = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
const without = (key: string) => {
  const claims: Record<string, unknown> = goodClaims();
  delete claims[key];
  return claims;
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  h = await startHarness({ resolve });
  admin = await h.token({ orgId: "org-a", orgRole: "admin" });
});
afterAll(() => h.close());
afterEach(() => h.okta.respondWith(null));

// -------------------------------------------------------------------------------------------------

describe("401 Unauthorized", () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ["no Authorization header", async () => ({})],
    ["a Basic scheme", async () => ({ authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` })],
    ["a valid JWT under another scheme", async () => ({ authorization: `Token ${await hs256(goodClaims())}` })],
    ["Bearer without a token", async () => ({ authorization: "Bearer " })],
    ["a garbage token", async () => ({ authorization: "Bearer not-a-jwt" })],
    ["a wrong signature", async () => ({ authorization: `Bearer ${await hs256(goodClaims(), new TextEncoder().encode("another-secret"))}` })],
    ["an expired exp", async () => ({ authorization: `Bearer ${await hs256({ ...goodClaims(), exp: nowS() - 60 })}` })],
    ["no exp", async () => ({ authorization: `Bearer ${await hs256(without("exp"))}` })],
    ["no sub", async () => ({ authorization: `Bearer ${await hs256(without("sub"))}` })],
    ["no org_id", async () => ({ authorization: `Bearer ${await hs256(without("org_id"))}` })],
    ["org_role 'owner'", async () => ({ authorization: `Bearer ${await hs256({ ...goodClaims(), org_role: "owner" })}` })],
    ["a project role 'owner'", async () => ({ authorization: `Bearer ${await hs256({ ...goodClaims(), projects: { p1: "owner" } })}` })],
    ["alg none", async () => ({ authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(goodClaims())}.` })],
    [
      "an RS256 token",
      async () => {
        const { privateKey } = await generateKeyPair("RS256");
        const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(privateKey);
        return { authorization: `Bearer ${token}` };
      },
    ],
    [
      "an HS512 token signed with the same secret",
      async () => ({ authorization: `Bearer ${await new SignJWT(goodClaims()).setProtectedHeader({ alg: "HS512", typ: "JWT" }).sign(SECRET)}` }),
    ],
  ];

  it.each(cases)("%s: a create that would otherwise succeed is refused", async (_name, headersOf) => {
    const headers = await headersOf();
    await failing(() => h.call("POST", BASE, { token: null, headers, body: okBody() }), 401, "Unauthorized", { oktaCalls: 0 });
  });

  it("a token already verified is trusted again only as the same Bearer credential", async () => {
    const token = await hs256(goodClaims());
    expect((await h.call("GET", BASE, { token: null, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The scheme is case-insensitive (RFC 9110); the cache must not make another scheme or spacing pass.
    expect((await h.call("GET", BASE, { token: null, headers: { authorization: `bEARER ${token}` } })).status).toBe(200);
    for (const authorization of [`Beaver ${token}`, `Bearer  ${token}`, `Token  ${token}`, `Bearer ${token}x`]) {
      await failing(() => h.call("GET", BASE, { token: null, headers: { authorization } }), 401, "Unauthorized");
    }
  });

  it("reads are refused too, and the control token works", async () => {
    await failing(() => h.call("GET", BASE), 401, "Unauthorized");
    const control = await hs256(goodClaims());
    expect((await h.call("GET", BASE, { token: control })).status).toBe(200);
  });
});

describe("403 PermissionDenied and 404 NotFound", () => {
  it("a member cannot create an org-level connection", async () => {
    const member = await h.token({ orgId: "org-a", orgRole: "member" });
    await failing(() => create(okBody(), member), 403, "PermissionDenied", { oktaCalls: 0 });
  });

  it("an unknown uuid is 404 on every by-id route", async () => {
    await failing(() => h.call("GET", `${BASE}/${UNKNOWN_ID}`, { token: admin }), 404, "NotFound");
    await failing(() => patch(UNKNOWN_ID, { description: "x" }), 404, "NotFound");
    await failing(() => h.call("DELETE", `${BASE}/${UNKNOWN_ID}`, { token: admin }), 404, "NotFound");
    await failing(() => h.call("POST", `${BASE}/${UNKNOWN_ID}/validate`, { token: admin }), 404, "NotFound", { oktaCalls: 0 });
    await failing(() => h.call("GET", `${BASE}/connection-name/nobody-here`, { token: admin }), 404, "NotFound");
  });

  it("an unknown route is 404, with or without a token (each route authenticates, not the /api prefix)", async () => {
    await failing(() => h.call("GET", "/api/v1/no-such-thing", { token: admin }), 404, "NotFound");
    await failing(() => h.call("GET", "/api/v1/no-such-thing"), 404, "NotFound");
    await failing(() => h.call("GET", "/no-such-page"), 404, "NotFound");
    // A route that exists still asks who calls before anything else.
    await failing(() => h.call("GET", `${BASE}/not-a-uuid`), 401, "Unauthorized");
  });
});

describe("422 ValidationFailure", () => {
  const longHost = `https://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(50)}.okta.com`;
  const cases: [string, () => Promise<Reply>][] = [
    ["malformed JSON", () => h.call("POST", BASE, { token: admin, rawBody: '{"name": "x",', headers: { "content-type": "application/json" } })],
    ["an empty body", () => h.call("POST", BASE, { token: admin, rawBody: "", headers: { "content-type": "application/json" } })],
    ["no body at all", () => h.call("POST", BASE, { token: admin })],
    ["a JSON array", () => create([okBody()])],
    ["JSON null", () => create(null)],
    ["name is a number", () => create(bodyWith((b) => (b.name = 123)))],
    ["credentials is a string", () => create(bodyWith((b) => (b.credentials = "x")))],
    ["description is a number", () => create(bodyWith((b) => (b.description = 5)))],
    ["projectId is a number", () => create(bodyWith((b) => (b.projectId = 7)))],
    ["credentials missing", () => create(bodyWith((b) => delete b.credentials))],
    ["method missing", () => create(bodyWith((b) => delete b.method))],
    ["an unknown body key", () => create(bodyWith((b) => (b.extra = 1)))],
    ["an unknown credentials key", () => create(bodyWith((b) => (b.credentials.clientId = "x")))],
    ["name with uppercase", () => create(bodyWith((b) => (b.name = "Acme")))],
    ["name with underscore", () => create(bodyWith((b) => (b.name = "acme_okta")))],
    ["name of 65 chars", () => create(bodyWith((b) => (b.name = "a".repeat(65))))],
    ["an empty name", () => create(bodyWith((b) => (b.name = "")))],
    ["description of 257 chars", () => create(bodyWith((b) => (b.description = "d".repeat(257))))],
    ["instanceUrl with a path", () => create(withUrl("https://acme.okta.com/oauth2/default"))],
    ["instanceUrl with a query", () => create(withUrl("https://acme.okta.com?x=1"))],
    ["instanceUrl with an empty query", () => create(withUrl("https://acme.okta.com/?"))],
    ["instanceUrl with a fragment", () => create(withUrl("https://acme.okta.com#top"))],
    ["instanceUrl that is not a URL", () => create(withUrl("acme.okta.com"))],
    ["instanceUrl of 256+ chars", () => create(withUrl(longHost))],
    ["method oauth", () => create(bodyWith((b) => (b.method = "oauth")))],
    ["isPlatformManagedCredentials true", () => create(bodyWith((b) => (b.isPlatformManagedCredentials = true)))],
    ['gatewayId "x"', () => create(bodyWith((b) => (b.gatewayId = "x")))],
    ["an empty projectId", () => create(bodyWith((b) => (b.projectId = "")))],
  ];

  it.each(cases)("create: %s", async (_name, send) => {
    await failing(send, 422, "ValidationFailure", { oktaCalls: 0 });
  });

  it("an apiToken of the wrong shape is refused without echoing it", async () => {
    for (const apiToken of ["00S3cretS3cretS3cretS3cretS3cretS3cretS3c", `00${"Q".repeat(41)}`, "ssws-live-token-VERYSECRETVALUE-0123456789", "00abc def0123456789012345678901234567890123"]) {
      const res = await failing(() => create(bodyWith((b) => (b.credentials.apiToken = apiToken))), 422, "ValidationFailure", { oktaCalls: 0 });
      expect(res.text).not.toContain(apiToken);
      expect(JSON.stringify(res.body.details ?? null)).not.toContain(apiToken);
      expect(res.body.message).toContain("apiToken");
      expect(h.logs.join("\n")).not.toContain(apiToken);
    }
  });

  describe("PATCH", () => {
    let id: string;
    beforeAll(async () => {
      id = (await create(okBody())).body.appConnection.id;
    });
    const patchCases: [string, () => Promise<Reply>][] = [
      ["credentials with only apiToken", () => patch(id, { credentials: { apiToken: h.validOktaToken() } })],
      ["credentials with only instanceUrl", () => patch(id, { credentials: { instanceUrl: h.okta.origin } })],
      ["an empty object", () => patch(id, {})],
      ["a bad name", () => patch(id, { name: "Not_Valid" })],
      ["an unknown key", () => patch(id, { projectId: "p2" })],
      ["malformed JSON", () => h.call("PATCH", `${BASE}/${id}`, { token: admin, rawBody: "{", headers: { "content-type": "application/json" } })],
      ["If-Match v4", () => patch(id, { description: "x" }, { "if-match": "v4" })],
      ['If-Match "abc"', () => patch(id, { description: "x" }, { "if-match": '"abc"' })],
      ["If-Match -1", () => patch(id, { description: "x" }, { "if-match": "-1" })],
      ["DELETE with If-Match 1.5", () => h.call("DELETE", `${BASE}/${id}`, { token: admin, headers: { "if-match": "1.5" } })],
    ];
    it.each(patchCases)("%s", async (_name, send) => {
      await failing(send, 422, "ValidationFailure", { oktaCalls: 0 });
    });
  });

  const queryCases: [string, string][] = [
    ["list with an empty projectId", `${BASE}?projectId=`],
    ["all-apps list with an empty projectId", "/api/v1/app-connections?projectId="],
    ["available with an empty projectId", `${BASE}/available?projectId=`],
    ["by name with an empty projectId", `${BASE}/connection-name/some-name?projectId=`],
    ["limit=0", `${BASE}?limit=0`],
    ["limit=101", `${BASE}?limit=101`],
    ["limit=abc", `${BASE}?limit=abc`],
    ["limit=-1", `${BASE}?limit=-1`],
    ["limit=1.5", `${BASE}?limit=1.5`],
    ["projectId given twice", `${BASE}?projectId=p1&projectId=p2`],
    ["a bad name in the path", `${BASE}/connection-name/Bad_Name`],
    ["a tampered cursor", `${BASE}?limit=1&cursor=not-a-real-cursor`],
  ];
  it.each(queryCases)("query: %s", async (_name, path) => {
    await failing(() => h.call("GET", path, { token: admin }), 422, "ValidationFailure");
  });

  it("a connectionId that is not a uuid is 422 on every by-id route", async () => {
    await failing(() => h.call("GET", `${BASE}/not-a-uuid`, { token: admin }), 422, "ValidationFailure");
    await failing(() => patch("not-a-uuid", { description: "x" }), 422, "ValidationFailure");
    await failing(() => h.call("DELETE", `${BASE}/not-a-uuid`, { token: admin }), 422, "ValidationFailure");
    await failing(() => h.call("POST", `${BASE}/not-a-uuid/validate`, { token: admin }), 422, "ValidationFailure", { oktaCalls: 0 });
  });
});

describe("400 InvalidInstanceUrl", () => {
  const guardCases: [string, string][] = [
    ["plain http, not allow-listed", "http://acme.okta.com"],
    ["the admin console host", "https://acme-admin.okta.com"],
    ["credentials in the URL", "https://u:p@acme.okta.com"],
    ["loopback", "https://127.0.0.1"],
    ["the metadata address", "https://169.254.169.254"],
    ["a private address", "https://10.1.2.3"],
    ["IPv6 loopback", "https://[::1]"],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]"],
    ["decimal loopback", "https://2130706433"],
    ["localhost", "https://localhost"],
    ["a non-default port", "https://acme.okta.com:8443"],
    ["not http(s)", "ftp://acme.okta.com"],
    ["a name resolving to a private address", "https://internal.example.com"],
    ["a name resolving to a public and a loopback address", "https://mixed.example.com"],
    ["a name that does not resolve", "https://nowhere.example.com"],
  ];

  it.each(guardCases)("%s: refused before any call to Okta", async (_name, url) => {
    await failing(() => create(withUrl(url)), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
  });

  it("the admin console message names the API URL (okta.com, oktapreview.com, okta-emea.com)", async () => {
    for (const domain of ["okta.com", "oktapreview.com", "okta-emea.com"]) {
      const res = await failing(() => create(withUrl(`https://acme-admin.${domain}`)), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
      expect(res.body.message).toContain(`https://acme.${domain}`);
    }
  });

  it("credentials in the URL are not echoed", async () => {
    const res = await failing(() => create(withUrl("https://u:p@acme.okta.com")), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
    expect(res.text).not.toContain(":p@");
    const secret = await failing(() => create(withUrl("https://admin:hunter2secret@acme.okta.com")), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
    expect(secret.text).not.toContain("hunter2secret");
  });

  it("the same guard applies to PATCH credentials", async () => {
    const id = (await create(okBody())).body.appConnection.id;
    await failing(() => patch(id, { credentials: { instanceUrl: "https://169.254.169.254", apiToken: h.validOktaToken() } }), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
  });

  it("Okta answering 404 means the URL is not an Okta API", async () => {
    h.okta.respondWith(() => ({ status: 404, body: { errorCode: "E0000007", errorSummary: "Not found" } }));
    await failing(() => create(okBody()), 400, "InvalidInstanceUrl", { oktaCalls: 1 });
  });

  it("Okta answering a 302 redirect is not followed and is InvalidInstanceUrl", async () => {
    h.okta.respondWith(() => ({ status: 302, headers: { Location: `${h.okta.origin}/api/v1/users/me?followed=1` } }));
    await failing(() => create(okBody()), 400, "InvalidInstanceUrl", { oktaCalls: 1 });
  });
});

describe("400 InvalidCredentials", () => {
  it("a token Okta does not know: Okta's errorSummary, never the token", async () => {
    const body = createBody(h, fresh(), {}, `00${"W".repeat(40)}`);
    const res = await failing(() => create(body), 400, "InvalidCredentials", { oktaCalls: 1 });
    expect(res.body.message).toContain("Invalid token provided");
    expect(res.text).not.toContain(body.credentials.apiToken);
  });

  const answers: [string, FakeResponse][] = [
    ["Okta 403", { status: 403, body: { errorCode: "E0000006", errorSummary: "You do not have permission to perform the requested action" } }],
    ["Okta 400", { status: 400, body: { errorCode: "E0000001", errorSummary: "Api validation failed" } }],
    ["Okta 401 without a JSON body", { status: 401, body: "Unauthorized" }],
  ];
  it.each(answers)("%s", async (_name, answer) => {
    h.okta.respondWith(() => answer);
    const res = await failing(() => create(okBody()), 400, "InvalidCredentials", { oktaCalls: 1 });
    const summary = (answer.body as { errorSummary?: string }).errorSummary;
    if (summary) expect(res.body.message).toContain(summary);
  });
});

describe("409, 412, 429 and 502", () => {
  it("409 for a duplicate name, on create and on rename", async () => {
    const taken = fresh();
    expect((await create(createBody(h, taken))).status).toBe(200);
    await failing(() => create(createBody(h, taken)), 409, "Conflict", { oktaCalls: 0 });
    const projectTaken = fresh();
    expect((await create(createBody(h, projectTaken, { projectId: "p-dup" }))).status).toBe(200);
    await failing(() => create(createBody(h, projectTaken, { projectId: "p-dup" })), 409, "Conflict", { oktaCalls: 0 });
    const other = (await create(okBody())).body.appConnection.id;
    await failing(() => patch(other, { name: taken }), 409, "Conflict", { oktaCalls: 0 });
  });

  it("412 for a stale If-Match, on PATCH and DELETE", async () => {
    const id = (await create(okBody())).body.appConnection.id;
    expect((await patch(id, { description: "v2" })).status).toBe(200);
    await failing(() => patch(id, { description: "stale" }, { "if-match": "1" }), 412, "PreconditionFailed");
    await failing(() => h.call("DELETE", `${BASE}/${id}`, { token: admin, headers: { "if-match": 'W/"1"' } }), 412, "PreconditionFailed");
  });

  it("429 copies Okta's Retry-After", async () => {
    h.okta.respondWith(() => ({ status: 429, headers: { "Retry-After": "17" }, body: { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." } }));
    const res = await failing(() => create(okBody()), 429, "UpstreamRateLimited", { oktaCalls: 1 });
    expect(res.headers.get("retry-after")).toBe("17");
  });

  it("429 derives Retry-After from X-Rate-Limit-Reset when Okta sends no Retry-After", async () => {
    h.okta.respondWith(() => ({ status: 429, headers: { "X-Rate-Limit-Reset": String(nowS() + 30) } }));
    const res = await failing(() => create(okBody()), 429, "UpstreamRateLimited", { oktaCalls: 1 });
    const seconds = Number(res.headers.get("retry-after"));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(31);
  });

  it.each([500, 503])("502 when Okta answers %i", async (status) => {
    h.okta.respondWith(() => ({ status, body: { errorSummary: "internal" } }));
    await failing(() => create(okBody()), 502, "UpstreamUnavailable", { oktaCalls: 1 });
  });

  it("502 when DNS fails for a reason other than 'no such name'", async () => {
    await failing(() => create(withUrl("https://dns-down.example.com")), 502, "UpstreamUnavailable", { oktaCalls: 0 });
  });
});

describe("413 PayloadTooLarge", () => {
  it("a body over 64 KiB is refused, at 64 KiB + 1 and at 65 KiB", async () => {
    for (const size of [64 * KIB + 1, 65 * KIB, 200 * KIB]) {
      const rawBody = jsonOfSize(size);
      expect(Buffer.byteLength(rawBody)).toBe(size);
      await failing(() => callUnpooled("POST", BASE, { token: admin, rawBody }), 413, "PayloadTooLarge", { oktaCalls: 0 });
    }
  });

  it("a body of exactly 64 KiB, and one just under, reaches the schema check (422)", async () => {
    for (const size of [64 * KIB, 64 * KIB - 1]) {
      const rawBody = jsonOfSize(size);
      expect(Buffer.byteLength(rawBody)).toBe(size);
      await failing(() => h.call("POST", BASE, { token: admin, rawBody, headers: { "content-type": "application/json" } }), 422, "ValidationFailure", { oktaCalls: 0 });
    }
  });
});

describe("order of checks", () => {
  const huge = () => jsonOfSize(70 * KIB);
  const json = { "content-type": "application/json" };
  let orgConn: { id: string; name: string };
  let projConn: { id: string; name: string };

  beforeAll(async () => {
    orgConn = (await create(okBody())).body.appConnection;
    projConn = (await create(createBody(h, fresh(), { projectId: "p-order" }))).body.appConnection;
  });

  it("401 before 413: a huge body without a token", async () => {
    await failing(() => callUnpooled("POST", BASE, { token: null, rawBody: huge() }), 401, "Unauthorized", { oktaCalls: 0 });
  });

  it("401 before 422 and before 404", async () => {
    await failing(() => h.call("POST", BASE, { token: null, rawBody: "{", headers: json }), 401, "Unauthorized");
    await failing(() => h.call("GET", `${BASE}/${UNKNOWN_ID}`), 401, "Unauthorized");
  });

  it("413 before 422: a huge malformed body with a token", async () => {
    await failing(() => callUnpooled("POST", BASE, { token: admin, rawBody: `{${"x".repeat(70 * KIB)}` }), 413, "PayloadTooLarge");
  });

  it("422 before 404: a bad PATCH body on an unknown id", async () => {
    await failing(() => patch(UNKNOWN_ID, { name: "BAD_NAME" }), 422, "ValidationFailure");
  });

  it("422 before 403: a viewer sending a bad body", async () => {
    const viewer = await h.token({ orgId: "org-a", projects: { "p-order": "viewer" } });
    await failing(() => create({ name: "Bad", projectId: "p-order" }, viewer), 422, "ValidationFailure");
    await failing(() => patch(projConn.id, { name: "Bad" }, {}, viewer), 422, "ValidationFailure");
  });

  it("404 before 403: a viewer on an unknown id of their own org", async () => {
    const viewer = await h.token({ orgId: "org-a", projects: { "p-order": "viewer" } });
    await failing(() => patch(UNKNOWN_ID, { description: "x" }, {}, viewer), 404, "NotFound");
    await failing(() => h.call("DELETE", `${BASE}/${UNKNOWN_ID}`, { token: viewer }), 404, "NotFound");
  });

  it("another org's connection is 404, never 403", async () => {
    const otherMember = await h.token({ orgId: "org-b", projects: { "p-order": "viewer" } });
    const otherAdmin = await h.token({ orgId: "org-b", orgRole: "admin" });
    for (const token of [otherMember, otherAdmin]) {
      for (const id of [orgConn.id, projConn.id]) {
        await failing(() => h.call("GET", `${BASE}/${id}`, { token }), 404, "NotFound");
        await failing(() => patch(id, { description: "x" }, {}, token), 404, "NotFound");
        await failing(() => h.call("DELETE", `${BASE}/${id}`, { token }), 404, "NotFound");
        await failing(() => h.call("POST", `${BASE}/${id}/validate`, { token }), 404, "NotFound", { oktaCalls: 0 });
      }
    }
  });

  it("403 before 412: a project member with a stale If-Match", async () => {
    const member = await h.token({ orgId: "org-a", projects: { "p-order": "member" } });
    await failing(() => patch(projConn.id, { description: "x" }, { "if-match": "99" }, member), 403, "PermissionDenied");
    await failing(() => h.call("DELETE", `${BASE}/${projConn.id}`, { token: member, headers: { "if-match": "99" } }), 403, "PermissionDenied");
  });

  it("403 before InvalidInstanceUrl: a project member creating with a bad URL", async () => {
    const member = await h.token({ orgId: "org-a", projects: { "p-order": "member" } });
    await failing(() => create(bodyWith((b) => (b.credentials.instanceUrl = "https://127.0.0.1"), { projectId: "p-order" }), member), 403, "PermissionDenied", { oktaCalls: 0 });
  });

  it("412 before InvalidInstanceUrl: stale If-Match with a loopback instanceUrl", async () => {
    await failing(
      () => patch(orgConn.id, { credentials: { instanceUrl: "https://127.0.0.1", apiToken: h.validOktaToken() } }, { "if-match": "99" }),
      412,
      "PreconditionFailed",
      { oktaCalls: 0 },
    );
  });

  it("InvalidInstanceUrl before 409: a taken name with a bad URL", async () => {
    await failing(() => create(bodyWith((b) => ((b.name = orgConn.name), (b.credentials.instanceUrl = "https://10.0.0.1")))), 400, "InvalidInstanceUrl", { oktaCalls: 0 });
  });

  it("409 before Okta: a taken name is refused without spending the customer's Okta rate limit", async () => {
    const rejected = `00${"R".repeat(40)}`; // Okta would answer 401
    await failing(() => create(createBody(h, orgConn.name, {}, rejected)), 409, "Conflict", { oktaCalls: 0 });
    await failing(() => create(createBody(h, projConn.name, { projectId: "p-order" }, rejected)), 409, "Conflict", { oktaCalls: 0 });
    const renamed = (await create(okBody())).body.appConnection.id;
    await failing(() => patch(renamed, { name: orgConn.name, credentials: { instanceUrl: h.okta.origin, apiToken: rejected } }), 409, "Conflict", { oktaCalls: 0 });
  });
});

describe("504 UpstreamTimeout and an unreachable Okta (own harness)", () => {
  let slow: Harness;
  let slowAdmin: string;

  beforeAll(async () => {
    slow = await startHarness({ oktaTimeoutMs: 300 });
    slowAdmin = await slow.token({ orgId: "org-a", orgRole: "admin" });
  });
  afterAll(() => slow.close());

  const failingOn = async (send: () => Promise<Reply>, status: number, error: string) => {
    const untouched = await slow.untouched();
    const res = await send();
    expectEnvelope(res, status, error);
    await untouched.tableUnchanged();
    return res;
  };

  it("504 when Okta does not answer within the timeout", async () => {
    slow.okta.respondWith(() => ({ status: 200, body: { id: "00u1" }, delayMs: 2_000 }));
    const started = Date.now();
    await failingOn(() => slow.call("POST", BASE, { token: slowAdmin, body: createBody(slow, "slow-one") }), 504, "UpstreamTimeout");
    expect(Date.now() - started).toBeLessThan(1_800);
    slow.okta.respondWith(null);
  });

  it("502 when nothing listens at the allow-listed Okta origin", async () => {
    const body = createBody(slow, "closed-port");
    await slow.okta.close();
    slow.okta.close = async () => {}; // already closed; keep the harness's own close() working
    await failingOn(() => slow.call("POST", BASE, { token: slowAdmin, body }), 502, "UpstreamUnavailable");
  });
});
