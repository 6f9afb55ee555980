import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness, type Reply } from "../support/harness";

/**
 * The budget of AWS calls, counted on the real SDK clients by an SDK middleware
 * (`h.calls`), cross-checked with the local KMS's own request counts and the fake Okta's requests.
 */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const PROJECT = "proj-budget";

interface Spent {
  reply: Reply;
  dynamo: Record<string, number>;
  dynamoTotal: number;
  kms: Record<string, number>;
  kmsTotal: number;
  kmsServer: number;
  okta: number;
}

/** Runs one request with all counters reset and reports what it cost. */
async function spend(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Spent> {
  const kmsServerBefore = Object.values(h.localKms.counts).reduce((n, v) => n + v, 0);
  const oktaBefore = h.okta.requests.length;
  h.calls.reset();
  const reply = await h.call(method, path, { token: admin, ...options });
  const pick = (prefix: string) =>
    Object.fromEntries(
      Object.entries(h.calls.counts)
        .filter(([k]) => k.startsWith(prefix + ":"))
        .map(([k, v]) => [k.slice(prefix.length + 1).replace(/Command$/, ""), v]),
    );
  return {
    reply,
    dynamo: pick("dynamodb"),
    dynamoTotal: h.calls.total("dynamodb"),
    kms: pick("kms"),
    kmsTotal: h.calls.total("kms"),
    kmsServer: Object.values(h.localKms.counts).reduce((n, v) => n + v, 0) - kmsServerBefore,
    okta: h.okta.requests.length - oktaBefore,
  };
}

const ok = (s: Spent) => {
  expect(s.reply.status, s.reply.text).toBe(200);
  return s;
};

async function createConn(name: string, projectId?: string) {
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, name, projectId ? { projectId } : {}) });
  expect(res.status).toBe(200);
  return res.body.appConnection;
}

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-budget", orgRole: "admin" });
  for (let i = 0; i < 12; i++) await createConn(`bud-list-${i}`, PROJECT);
  await createConn("bud-org-level");
});
afterAll(() => h.close());
beforeEach(() => h.calls.reset());

describe("AWS call budget", () => {
  it("create = 1 GenerateDataKey + GetItem + TransactWriteItems + 1 Okta, in both scopes", async () => {
    for (const extra of [{}, { projectId: PROJECT }]) {
      const s = ok(await spend("POST", BASE, { body: createBody(h, `bud-create-${"projectId" in extra ? "proj" : "org"}`, extra) }));
      expect(s.dynamo).toEqual({ GetItem: 1, TransactWriteItems: 1 });
      expect(s.dynamoTotal).toBe(2);
      expect(s.kms).toEqual({ GenerateDataKey: 1 });
      expect(s.kmsServer).toBe(1);
      expect(s.okta).toBe(1);
    }
  });

  it("a doomed create (name taken) costs one read, no KMS call and no Okta call", async () => {
    await createConn("bud-taken", PROJECT);
    const s = await spend("POST", BASE, { body: createBody(h, "bud-taken", { projectId: PROJECT }) });
    expect(s.reply.status).toBe(409);
    expect(s.dynamoTotal).toBeLessThanOrEqual(1);
    expect(s.kmsTotal).toBe(0);
    expect(s.kmsServer).toBe(0);
    expect(s.okta).toBe(0);
  });

  it("a create Okta refuses costs no KMS call and no write", async () => {
    const s = await spend("POST", BASE, { body: createBody(h, "bud-refused", {}, "00" + "x".repeat(40)) });
    expect(s.reply.status).toBe(400);
    expect(s.okta).toBe(1);
    expect(s.kmsTotal).toBe(0);
    expect(s.dynamo.TransactWriteItems ?? 0).toBe(0);
  });

  it("get by id = 1 DynamoDB call, get by name = 2 consistent GetItems (lock, then record), and no KMS", async () => {
    const conn = await createConn("bud-get", PROJECT);
    const byId = ok(await spend("GET", `${BASE}/${conn.id}`));
    expect(byId.dynamoTotal).toBe(1);
    expect(byId.kmsTotal + byId.kmsServer + byId.okta).toBe(0);
    const byName = ok(await spend("GET", `${BASE}/connection-name/bud-get?projectId=${PROJECT}`));
    expect(byName.dynamo).toEqual({ GetItem: 2 });
    expect(byName.kmsTotal + byName.kmsServer + byName.okta).toBe(0);
    const orgByName = ok(await spend("GET", `${BASE}/connection-name/bud-org-level`));
    expect(orgByName.dynamo).toEqual({ GetItem: 2 });
    expect(orgByName.kmsTotal).toBe(0);
    // A miss stops at the lock: one call.
    const miss = await spend("GET", `${BASE}/connection-name/bud-nothing?projectId=${PROJECT}`);
    expect(miss.reply.status).toBe(404);
    expect(miss.dynamoTotal).toBe(1);
  });

  it("a list page = 1 Query: a project list with limit, its next page, and the org admin's list", async () => {
    const first = ok(await spend("GET", `${BASE}?projectId=${PROJECT}&limit=5`));
    expect(first.dynamo).toEqual({ Query: 1 });
    expect(first.reply.body.appConnections).toHaveLength(5);
    const cursor = first.reply.body.nextCursor;
    expect(typeof cursor).toBe("string");
    const second = ok(await spend("GET", `${BASE}?projectId=${PROJECT}&limit=5&cursor=${encodeURIComponent(cursor)}`));
    expect(second.dynamo).toEqual({ Query: 1 });
    const unpaged = ok(await spend("GET", `${BASE}?projectId=${PROJECT}`));
    expect(unpaged.dynamo).toEqual({ Query: 1 });
    const orgAdmin = ok(await spend("GET", BASE));
    expect(orgAdmin.dynamo).toEqual({ Query: 1 });
    expect(orgAdmin.reply.body.appConnections.length).toBeGreaterThan(12);
    const orgAdminPaged = ok(await spend("GET", `${BASE}?limit=4`));
    expect(orgAdminPaged.dynamo).toEqual({ Query: 1 });
    const allApps = ok(await spend("GET", "/api/v1/app-connections"));
    expect(allApps.dynamo).toEqual({ Query: 1 });
    for (const s of [first, second, unpaged, orgAdmin, orgAdminPaged, allApps]) expect(s.kmsTotal + s.kmsServer + s.okta).toBe(0);
  });

  it("update without credentials: <= 2 DynamoDB calls, no KMS, no Okta", async () => {
    const conn = await createConn("bud-upd-desc", PROJECT);
    const s = ok(await spend("PATCH", `${BASE}/${conn.id}`, { body: { description: "changed" } }));
    expect(s.dynamoTotal).toBeLessThanOrEqual(2);
    expect(s.kmsTotal).toBe(0);
    expect(s.kmsServer).toBe(0);
    expect(s.okta).toBe(0);
    const withIfMatch = ok(await spend("PATCH", `${BASE}/${conn.id}`, { body: { description: null }, headers: { "if-match": "2" } }));
    expect(withIfMatch.dynamoTotal).toBeLessThanOrEqual(2);
    expect(withIfMatch.kmsTotal + withIfMatch.okta).toBe(0);
  });

  it("rename: <= 3 DynamoDB calls, no KMS, no Okta", async () => {
    const conn = await createConn("bud-rename", PROJECT);
    const s = ok(await spend("PATCH", `${BASE}/${conn.id}`, { body: { name: "bud-renamed", description: "too" } }));
    expect(s.dynamoTotal).toBeLessThanOrEqual(3);
    expect(s.kmsTotal + s.kmsServer + s.okta).toBe(0);
  });

  it("update with credentials: <= 3 DynamoDB calls + 1 KMS + 1 Okta (also with a rename)", async () => {
    const conn = await createConn("bud-upd-creds", PROJECT);
    const creds = () => ({ instanceUrl: h.okta.origin, apiToken: h.validOktaToken() });
    const s = ok(await spend("PATCH", `${BASE}/${conn.id}`, { body: { credentials: creds() } }));
    expect(s.dynamoTotal).toBeLessThanOrEqual(3);
    expect(s.kms).toEqual({ GenerateDataKey: 1 });
    expect(s.kmsServer).toBe(1);
    expect(s.okta).toBe(1);
    const renamed = ok(await spend("PATCH", `${BASE}/${conn.id}`, { body: { name: "bud-upd-creds-2", credentials: creds() } }));
    expect(renamed.dynamoTotal).toBeLessThanOrEqual(3);
    expect(renamed.kmsTotal).toBe(1);
    expect(renamed.okta).toBe(1);
  });

  it("an update refused by If-Match spends nothing beyond the read", async () => {
    const conn = await createConn("bud-stale", PROJECT);
    const s = await spend("PATCH", `${BASE}/${conn.id}`, {
      body: { credentials: { instanceUrl: h.okta.origin, apiToken: h.validOktaToken() } },
      headers: { "if-match": "7" },
    });
    expect(s.reply.status).toBe(412);
    expect(s.dynamoTotal).toBe(1);
    expect(s.kmsTotal + s.okta).toBe(0);
  });

  it("delete: <= 2 DynamoDB calls, no KMS, no Okta", async () => {
    const conn = await createConn("bud-delete", PROJECT);
    const s = ok(await spend("DELETE", `${BASE}/${conn.id}`));
    expect(s.dynamoTotal).toBeLessThanOrEqual(2);
    expect(s.kmsTotal + s.kmsServer + s.okta).toBe(0);
  });

  it("validate = 1 DynamoDB read + 1 health write + 1 Decrypt (then none while the token is cached) + 1 Okta, valid or not", async () => {
    const apiToken = h.validOktaToken();
    const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "bud-validate", {}, apiToken) });
    const id = created.body.appConnection.id;
    const s = ok(await spend("POST", `${BASE}/${id}/validate`));
    expect(s.reply.body.valid).toBe(true);
    expect(s.dynamo).toEqual({ GetItem: 1, UpdateItem: 1 });
    expect(s.kms).toEqual({ Decrypt: 1 });
    expect(s.kmsServer).toBe(1);
    expect(s.okta).toBe(1);
    h.okta.validTokens.delete(apiToken);
    // The token decrypted a moment ago is still in memory (at most 5 minutes): no second Decrypt.
    const invalid = ok(await spend("POST", `${BASE}/${id}/validate`));
    expect(invalid.reply.body.valid).toBe(false);
    expect(invalid.dynamoTotal).toBe(2);
    expect(invalid.kms).toEqual({});
    expect(invalid.okta).toBe(1);
  });

  it("no read ever calls KMS: get, get by name, list, available, all-apps list, audit log", async () => {
    const conn = await createConn("bud-reads", PROJECT);
    const reads = [
      `${BASE}/${conn.id}`,
      `${BASE}/connection-name/bud-reads?projectId=${PROJECT}`,
      `${BASE}/connection-name/bud-org-level`,
      `${BASE}?projectId=${PROJECT}`,
      `${BASE}?projectId=${PROJECT}&limit=3`,
      BASE,
      `${BASE}?limit=3`,
      `${BASE}/available?projectId=${PROJECT}`,
      `${BASE}/available?projectId=${PROJECT}&limit=2`,
      `${BASE}/available`,
      "/api/v1/app-connections",
      `/api/v1/app-connections?projectId=${PROJECT}`,
      "/api/v1/app-connections/options",
      `/api/v1/audit-logs?projectId=${PROJECT}`,
      "/api/v1/audit-logs",
    ];
    const serverBefore = { ...h.localKms.counts };
    for (const path of reads) {
      const s = ok(await spend("GET", path));
      expect(s.kmsTotal, path).toBe(0);
      expect(s.kmsServer, path).toBe(0);
      expect(s.okta, path).toBe(0);
      expect(s.dynamo.TransactWriteItems ?? 0, path).toBe(0);
    }
    expect(h.localKms.counts).toEqual(serverBefore);
  });
});
