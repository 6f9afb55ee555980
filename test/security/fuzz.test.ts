import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintDevToken } from "../../functions/local/dev-token";
import { createBody, rawText, startHarness, TEST_JWT_SECRET, type Harness } from "../support/harness";

/**
 * Issue 3, fuzzing: generated requests against every route (contract section 1, audit logs,
 * healthz, openapi, docs) with wrong types, huge and deep JSON, unicode and control characters,
 * prototype keys, path and query injection, odd headers and methods. Whatever comes in, the
 * answer is below 500, carries `x-request-id`, and is the error envelope when it is an error.
 * Okta rejects every token during the run, so no request can store anything: the raw table
 * must be byte-for-byte what it was before.
 *
 * Most requests go through `app.request` (in process, same Hono app); a share goes through the
 * real HTTP server. On failure fast-check prints the seed and the shrunk request.
 */
const SEED = 20260603;
const IN_PROCESS_RUNS = 9_500;
const HTTP_RUNS = 1_500;
const API = "/api/v1/app-connections";
const NODE_MAX_HEADER_BYTES = 16 * 1024;
const ERROR_CODES = [
  "Unauthorized", "PermissionDenied", "NotFound", "ValidationFailure", "InvalidInstanceUrl", "InvalidCredentials",
  "Conflict", "PreconditionFailed", "UpstreamRateLimited", "UpstreamUnavailable", "UpstreamTimeout", "PayloadTooLarge",
];

let h: Harness;
const tokens: string[] = [];
const badTokens: string[] = [];
const ids: string[] = [];
const names = ["seed-org", "seed-p1", "seed-p2", "seed-other"];
const cursors: string[] = [];
let untouched: Awaited<ReturnType<Harness["untouched"]>>;
let tableBefore: unknown[];
/** The table's bytes without what validate records (health and the due index, section 8). */
const withoutHealth = (items: Record<string, unknown>[]) => JSON.parse(rawText(items.map(({ health, GSI2PK, GSI2SK, ...rest }) => rest))) as unknown[];
let protoBefore: string[] = [];
let sent = 0;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  h = await startHarness();
  const adminA = await h.token({ orgId: "fuzz-a", orgRole: "admin" });
  const adminOther = await h.token({ orgId: "fuzz-other", orgRole: "admin" });
  for (const [token, name, projectId] of [
    [adminA, "seed-org", undefined],
    [adminA, "seed-p1", "p1"],
    [adminA, "seed-p2", "p2"],
    [adminOther, "seed-other", "p1"],
  ] as const) {
    const res = await h.call("POST", `${API}/okta`, { token, body: createBody(h, name, projectId ? { projectId } : {}) });
    expect(res.status).toBe(200);
    ids.push(res.body.appConnection.id);
  }
  // Callers that can read and validate the seeds but change none of them.
  const member = await h.token({ orgId: "fuzz-a", sub: "mia", projects: { p1: "viewer", p2: "member", "p-empty": "admin" } });
  const nobody = await h.token({ orgId: "fuzz-a", sub: "nils" });
  const adminB = await h.token({ orgId: "fuzz-b", orgRole: "admin", sub: "bea" });
  tokens.push(member, nobody, adminB);
  const page = await h.call("GET", `${API}/okta?limit=1`, { token: member });
  expect(page.body.nextCursor).toEqual(expect.any(String));
  cursors.push(page.body.nextCursor, `${page.body.nextCursor}x`, page.body.nextCursor.replace(/^./, "A"), `${b64({ s: 0 })}.${b64("x")}`);
  badTokens.push(
    await mintDevToken(TEST_JWT_SECRET, { sub: "late", orgId: "fuzz-a", orgRole: "admin", ttlSeconds: -60 }),
    await mintDevToken("not-the-secret", { sub: "forger", orgId: "fuzz-a", orgRole: "admin" }),
    `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "x", org_id: "fuzz-a", org_role: "admin", exp: 4e9 })}.`,
    await mintDevToken(TEST_JWT_SECRET, { sub: "odd", orgId: "../fuzz-a" }),
    await mintDevToken(TEST_JWT_SECRET, { sub: "odd", orgId: "fuzz-a", projects: { "__proto__": "admin" } as never }),
  );
  h.okta.respondWith(() => ({ status: 401, body: { errorCode: "E0000011", errorSummary: "Invalid token provided" } }));
  untouched = await h.untouched();
  tableBefore = withoutHealth(await h.scan());
  protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
});

afterAll(() => h?.close());

// ---------------------------------------------------------------------------------------------
// Generators

const hostile = fc.constantFrom(
  "..", "../", "..%2f", "%2e%2e", "%2e%2e%2f", "%00", "a%00b", "%ZZ", "%", "%C0%AE%C0%AE", "__proto__", "constructor",
  "prototype", "toString", "hasOwnProperty", "null", "undefined", "NaN", "-1", "0", "1e309", "true", "[]", "{}",
  "%7B%7D", "'", "\"", "<script>", "${jndi:x}", "%0d%0aSet-Cookie:x", "\u202e", "é", "%F0%9F%92%A9", "*", "?", ";",
);
const unicode = fc.string({ unit: "binary", maxLength: 40 });
const longSegment = fc.integer({ min: 200, max: 8_000 }).map((n) => "a".repeat(n));
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((i) => ids[i % ids.length]!) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.constantFrom(...names) },
  { weight: 3, arbitrary: hostile },
  { weight: 2, arbitrary: unicode.map(encodeURIComponent) },
  { weight: 1, arbitrary: longSegment },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,70}$/) },
);

const queryValue = fc.oneof(
  fc.constantFrom("p1", "p2", "p-empty", "p9", "", "1", "100", "101", "0", "-1", "1e2", "0x10", " 5", "５"),
  hostile,
  unicode,
  fc.nat().map((i) => cursors[i % cursors.length]!),
  longSegment,
);
const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("projectId", "limit", "cursor") },
  { weight: 1, arbitrary: fc.constantFrom("projectId[]", "__proto__", "constructor", "__proto__[polluted]", "projectId%00", "") },
  { weight: 1, arbitrary: unicode },
);
const query = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 5 })
  .map((pairs) =>
    pairs.length === 0 ? "" : "?" + pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&"),
  );

/** Values of the wrong type for any field. */
const wrongType = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant([]), fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.string({ maxLength: 300 }), unicode,
);
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: wrongType });
const instanceUrl = fc.oneof(
  fc.constant("__OKTA__"), fc.webUrl(), fc.constantFrom("https://acme.okta.com", "http://127.0.0.1", "javascript:1", "https://[::1]"),
);
const apiToken = fc.oneof(fc.stringMatching(/^00[A-Za-z0-9_-]{40}$/), fc.string({ maxLength: 50 }));
const credentials = fc.record(
  { instanceUrl: maybe(instanceUrl), apiToken: maybe(apiToken), extra: wrongType },
  { requiredKeys: [] },
);
const connectionFields = fc.record(
  {
    name: maybe(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,64}$/), fc.constantFrom(...names), unicode)),
    description: maybe(fc.oneof(fc.string({ maxLength: 300 }), unicode, fc.constant(null))),
    method: maybe(fc.constantFrom("api-token", "oauth")),
    projectId: maybe(fc.constantFrom("p1", "p2", "p-empty", "p9", "", "../p1")),
    credentials: maybe(credentials),
    isPlatformManagedCredentials: maybe(fc.boolean()),
    gatewayId: maybe(fc.constant(null)),
  },
  { requiredKeys: [] },
);
/** Bodies that pass the schema (so Okta, the guard and the permission checks get their turn), some with one field broken. */
const nearlyValid = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9-]{1,64}$/),
    description: fc.option(fc.string({ maxLength: 256 }), { nil: undefined }),
    method: fc.constant("api-token"),
    projectId: fc.constantFrom(undefined, "p-empty", "p1", "p2", "p9"),
    credentials: fc.record({
      instanceUrl: fc.constantFrom("__OKTA__", "__OKTA__/", "https://acme-admin.okta.com", "https://10.0.0.1", "http://localhost:1"),
      apiToken: fc.stringMatching(/^00[A-Za-z0-9_-]{40}$/),
    }),
  })
  .chain((valid) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(valid as Record<string, unknown>) },
      fc.tuple(fc.constantFrom("name", "description", "method", "projectId", "credentials"), wrongType).map(([key, bad]) => ({ ...valid, [key]: bad })),
      fc.constant({ description: valid.description ?? null }),
      fc.constant({ name: valid.name }),
      fc.constant({ credentials: valid.credentials }),
    ),
  )
  .map((value) => JSON.stringify(Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))));
const substitute = (text: string) => text.replaceAll("__OKTA__", h.okta.origin);

const deep = fc.tuple(fc.integer({ min: 10, max: 40_000 }), fc.constantFrom("[", '{"a":')).map(([n, open]) =>
  open.repeat(n) + (open === "[" ? "" : "1") + (open === "[" ? "]" : "}").repeat(n),
);
const huge = fc.tuple(fc.integer({ min: 60 * 1024, max: 70 * 1024 }), fc.constantFrom("string", "keys", "array")).map(([size, kind]) => {
  if (kind === "string") return JSON.stringify({ name: "a", description: "x".repeat(size) });
  if (kind === "array") return JSON.stringify({ name: Array.from({ length: size / 4 }, () => 1) });
  const keys = Array.from({ length: Math.floor(size / 12) }, (_, i) => `"k${i}":1`);
  return `{${keys.join(",")}}`;
});
const prototypeKeys = fc
  .tuple(fc.constantFrom("__proto__", "constructor", "prototype"), fc.jsonValue({ maxDepth: 2 }), connectionFields)
  .map(([key, value, fields]) => {
    const inner = key === "constructor" ? `{"prototype":{"polluted":${JSON.stringify(value ?? null)}}}` : `{"polluted":${JSON.stringify(value ?? null)}}`;
    const rest = JSON.stringify(fields).slice(1, -1);
    return `{"${key}":${inner}${rest ? "," + rest : ""}}`;
  });
const brokenJson = fc.oneof(
  fc.constantFrom("", "{", "}", "{'a':1}", "[1,]", "NaN", "undefined", "\uFEFF{}", "{\"a\":1}{\"b\":2}", "/* */ {}", "nul"),
  unicode,
  fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
);
const body = fc.oneof(
  { weight: 4, arbitrary: connectionFields.map((f) => substitute(JSON.stringify(f))) },
  { weight: 4, arbitrary: nearlyValid.map(substitute) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: prototypeKeys.map(substitute) },
  { weight: 2, arbitrary: brokenJson },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: huge },
);

const authorization = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 1, 2).map((i) => `Bearer ${tokens[i]}`) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 3, 4).map((i) => `Bearer ${badTokens[i]}`) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant(undefined),
      fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "SSWS 00abc", "Bearer a.b.c", "Bearer ....", `Bearer ${"a".repeat(9000)}`),
      fc.constantFrom(0, 1, 2).map((i) => `bearer  ${tokens[i]} `),
      fc.string({ unit: "grapheme-ascii", maxLength: 80 }).map((s) => `Bearer ${s}`),
    ),
  },
);
const headerValue = fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((s) => s.trim());
const headers = fc.record(
  {
    authorization,
    "content-type": fc.oneof(
      fc.constantFrom(
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/json; charset=utf-16",
        "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json;;;", "*/*",
      ),
      headerValue,
    ),
    "if-match": fc.oneof(fc.constantFrom("1", '"1"', 'W/"1"', "*", "0", "-1", "abc", '"', "W/", "99999999999999999999", "1, 2", 'W/"1"x'), headerValue),
    "x-request-id": fc.oneof(fc.stringMatching(/^[\w=-]{1,200}$/), headerValue),
    accept: fc.constantFrom("application/json", "text/html", "*/*", "application/xml"),
    "x-http-method-override": fc.constantFrom("DELETE", "PATCH", "PUT"),
  },
  { requiredKeys: ["authorization"] },
);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const idOrJunk = segment;
/** Every route of the service, with generated parameters. */
const route = fc.oneof(
  fc.constant(["GET", `${API}/options`]),
  fc.constantFrom(["GET", API], ["GET", `${API}/`], ["GET", `${API}/okta`], ["GET", `${API}/okta/available`], ["GET", "/api/v1/audit-logs"]),
  fc.constant(["POST", `${API}/okta`]),
  fc.constant(["POST", `${API}/okta`]),
  fc.constant(["POST", `${API}/okta`]),
  idOrJunk.map((id) => ["GET", `${API}/okta/${id}`]),
  idOrJunk.map((id) => ["PATCH", `${API}/okta/${id}`]),
  idOrJunk.map((id) => ["DELETE", `${API}/okta/${id}`]),
  idOrJunk.map((id) => ["POST", `${API}/okta/${id}/validate`]),
  segment.map((name) => ["GET", `${API}/okta/connection-name/${name}`]),
  fc.constantFrom(["GET", "/healthz"], ["GET", "/openapi.json"], ["GET", "/docs"]),
  fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => ["GET", `/${parts.join("/")}`]),
  fc.array(segment, { maxLength: 3 }).map((parts) => ["GET", `${API}/okta/${parts.join("/")}`]),
) as fc.Arbitrary<[string, string]>;

const STANDARD = ["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"];
/**
 * In process, any method token (including `__proto__` and `constructor`, which once crashed the
 * router). Over HTTP only methods Node's parser accepts: it answers anything else itself, before
 * the app (as API Gateway does in AWS).
 */
const methodFor = (http: boolean) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...STANDARD) },
    {
      weight: 1,
      arbitrary: http
        ? fc.constantFrom("PROPFIND", "MKCOL", "PURGE", "REPORT", "SEARCH", "LINK")
        : fc.oneof(
            fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "ALL", "patch", "post", "Get"),
            fc.stringMatching(/^[A-Za-z_-]{1,12}$/),
          ),
    },
  );

const request = (http: boolean): fc.Arbitrary<FuzzRequest> =>
  fc.record({ route, method: methodFor(http), query, headers, body: fc.option(body, { nil: undefined, freq: 5 }) }).map((r) => {
    const method = r.method ?? r.route[0];
    const upper = method.toUpperCase();
    const clean = Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return { method, path: r.route[1] + r.query, headers: clean, body: upper === "GET" || upper === "HEAD" ? undefined : r.body };
  });

// ---------------------------------------------------------------------------------------------
// The per-request invariant

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const statuses = new Map<number, number>();

function check(req: FuzzRequest, res: Answer) {
  sent++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const where = `${req.method} ${req.path.slice(0, 200)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get("x-request-id"), where).toBeTruthy();
  if (req.method.toUpperCase() === "HEAD") return;
  if (res.status >= 400) {
    const envelope = JSON.parse(res.text);
    expect(envelope, where).toMatchObject({ statusCode: res.status, reqId: res.headers.get("x-request-id"), message: expect.any(String) });
    expect(ERROR_CODES, where).toContain(envelope.error);
  } else if (res.status >= 300) {
    // The web console's redirect (`/` -> `/console`) and conditional GETs of its files.
    if (res.status !== 304) expect(res.headers.get("location"), where).toBeTruthy();
  } else if (res.headers.get("content-type")?.includes("json")) {
    expect(() => JSON.parse(res.text), where).not.toThrow();
  } else {
    // Besides JSON, only the docs page and the web console's static files answer 2xx.
    expect(res.headers.get("content-type") ?? "", where).toMatch(/^(text\/html|text\/css|text\/javascript|application\/javascript|image\/)/);
  }
}

describe("fuzzing every route", () => {
  it(`answers ${IN_PROCESS_RUNS} generated requests in process without a 5xx and with the envelope`, async () => {
    await fc.assert(
      fc.asyncProperty(request(false), async (req) => {
        let init: RequestInit;
        try {
          init = { method: req.method, headers: req.headers, body: req.body };
          new Request("http://localhost/", init); // what a client could not even send is not a test of the server
        } catch {
          return;
        }
        const res = await h.app.request(req.path, init);
        check(req, { status: res.status, headers: res.headers, text: await res.text() });
      }),
      { seed: SEED, numRuns: IN_PROCESS_RUNS },
    ).catch((error: Error) => {
      throw new Error(`fuzz failed with seed ${SEED}: ${error.message}\nCause: ${(error.cause as Error | undefined)?.message}`);
    });
  }, 240_000);

  it(`answers ${HTTP_RUNS} generated requests over real HTTP the same way`, async () => {
    await fc.assert(
      fc.asyncProperty(request(true), async (req) => {
        try {
          new Request("http://localhost/", { method: req.method, headers: req.headers, body: req.body });
        } catch {
          return;
        }
        const res = await fetch(h.base + req.path, { method: req.method, headers: req.headers, body: req.body });
        const headBytes = req.path.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
        if (headBytes > NODE_MAX_HEADER_BYTES - 1024) {
          // Node's HTTP parser answers an oversized request head itself, before the app sees it.
          if (res.status === 431) return void (await res.text());
        }
        check(req, { status: res.status, headers: res.headers, text: await res.text() });
      }),
      { seed: SEED + 1, numRuns: HTTP_RUNS },
    ).catch((error: Error) => {
      throw new Error(`fuzz over HTTP failed with seed ${SEED + 1}: ${error.message}\nCause: ${(error.cause as Error | undefined)?.message}`);
    });
  }, 240_000);

  it("answers methods named after Object.prototype members like any unknown method", async () => {
    for (const method of ["__proto__", "constructor", "toString", "hasOwnProperty", "__defineGetter__", "valueOf"]) {
      for (const path of [`${API}/okta/${ids[0]}`, "/healthz", "/nowhere"]) {
        const req = { method, path, headers: { authorization: `Bearer ${tokens[0]}` } };
        const res = await h.app.request(path, req);
        expect(res.status, `${method} ${path}`).toBe(404);
        check(req, { status: res.status, headers: res.headers, text: await res.text() });
      }
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    const after = await h.app.request("/nowhere", { headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(after.status).toBe(404);
  });

  it("leaves the process healthy, the table unchanged (but for validate's health records) and Object.prototype clean", async () => {
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // The generators reach every layer: auth, size, schema, existence, permission, Okta, success.
    console.info(`fuzz: ${sent} requests; by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    for (const status of [200, 400, 401, 403, 404, 413, 422]) expect(statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
    const health = await h.call("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(withoutHealth(await h.scan())).toEqual(tableBefore);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // The seeds are still readable with their original versions.
    const list = await h.call("GET", `${API}/okta`, { token: tokens[0] });
    expect(list.body.appConnections.map((c: { version: number }) => c.version)).toEqual([1, 1, 1]);
  });
});
