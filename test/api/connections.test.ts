import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appConnectionSchema } from "../../functions/api/responses";
import { createBody, startHarness, type Harness } from "../support/harness";

let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-a", orgRole: "admin" });
});
afterAll(() => h.close());

describe("create, read, update, delete", () => {
  it("creates an org-level connection with exactly the contract's fields", async () => {
    const apiToken = h.validOktaToken();
    const res = await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-one", {}, apiToken) });
    expect(res.status).toBe(200);
    const conn = appConnectionSchema.parse(res.body.appConnection);
    expect(conn).toMatchObject({ name: "crud-one", description: null, projectId: null, orgId: "org-a", version: 1, app: "okta", method: "api-token", isPlatformManagedCredentials: false });
    expect(conn.credentials).toEqual({ instanceUrl: h.okta.origin });
    expect(conn.createdAt).toBe(conn.updatedAt);
    expect(res.text).not.toContain(apiToken);
    const seen = h.okta.requests.at(-1)!;
    expect(seen.path).toBe("/api/v1/users/me");
    expect(seen.headers.authorization).toBe(`SSWS ${apiToken}`);
    expect(seen.headers.accept).toBe("application/json");
  });

  it("stores the instanceUrl as its origin and accepts the compatibility fields", async () => {
    const body = createBody(h, "crud-origin", { description: "Main org", isPlatformManagedCredentials: false, gatewayId: null });
    body.credentials.instanceUrl = `${h.okta.origin}/`;
    const res = await h.call("POST", BASE, { token: admin, body });
    expect(res.status).toBe(200);
    expect(res.body.appConnection.credentials.instanceUrl).toBe(h.okta.origin);
    expect(res.body.appConnection.description).toBe("Main org");
  });

  it("gets by id and by name, and the read changes nothing", async () => {
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-get", { projectId: "proj-1" }) })).body.appConnection;
    const byId = await h.call("GET", `${BASE}/${created.id}`, { token: admin });
    expect(byId.status).toBe(200);
    expect(byId.body.appConnection).toEqual(created);
    const byName = await h.call("GET", `${BASE}/connection-name/crud-get?projectId=proj-1`, { token: admin });
    expect(byName.body.appConnection).toEqual(created);
    const orgLevel = await h.call("GET", `${BASE}/connection-name/crud-get`, { token: admin });
    expect(orgLevel.status).toBe(404);
  });

  it("patches name and description, bumps version, keeps credentialsHash", async () => {
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-patch") })).body.appConnection;
    const res = await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { name: "crud-patched", description: "now described" } });
    expect(res.status).toBe(200);
    const updated = res.body.appConnection;
    expect(updated).toMatchObject({ id: created.id, name: "crud-patched", description: "now described", version: 2, credentialsHash: created.credentialsHash, createdAt: created.createdAt });
    expect(updated.updatedAt >= created.updatedAt).toBe(true);
    const cleared = await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { description: null } });
    expect(cleared.body.appConnection).toMatchObject({ description: null, version: 3 });
    // The old name is free again, the new one is taken.
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-patch") })).status).toBe(200);
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-patched") })).status).toBe(409);
  });

  it("new credentials are re-validated and change credentialsHash; equal credentials keep it", async () => {
    const first = h.validOktaToken();
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-creds", {}, first) })).body.appConnection;
    const second = h.validOktaToken();
    const before = h.okta.requests.length;
    const res = await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { credentials: { instanceUrl: h.okta.origin, apiToken: second } } });
    expect(res.status).toBe(200);
    expect(h.okta.requests.length).toBe(before + 1);
    expect(res.body.appConnection.credentialsHash).not.toBe(created.credentialsHash);
    expect(res.body.appConnection.version).toBe(2);
    const back = await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { credentials: { instanceUrl: h.okta.origin, apiToken: first } } });
    expect(back.body.appConnection.credentialsHash).toBe(created.credentialsHash);
    const validated = await h.call("POST", `${BASE}/${created.id}/validate`, { token: admin });
    expect(validated.body.valid).toBe(true);
    expect(h.okta.requests.at(-1)!.headers.authorization).toBe(`SSWS ${first}`);
  });

  it("If-Match accepts 3, \"3\" and W/\"3\" and refuses a stale version with 412", async () => {
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-ifmatch") })).body.appConnection;
    const path = `${BASE}/${created.id}`;
    expect((await h.call("PATCH", path, { token: admin, body: { description: "a" }, headers: { "if-match": "1" } })).status).toBe(200);
    expect((await h.call("PATCH", path, { token: admin, body: { description: "b" }, headers: { "if-match": '"2"' } })).status).toBe(200);
    expect((await h.call("PATCH", path, { token: admin, body: { description: "c" }, headers: { "if-match": 'W/"3"' } })).status).toBe(200);
    const stale = await h.call("PATCH", path, { token: admin, body: { description: "d" }, headers: { "if-match": "3" } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toBe("PreconditionFailed");
    expect((await h.call("GET", path, { token: admin })).body.appConnection).toMatchObject({ description: "c", version: 4 });
    expect((await h.call("DELETE", path, { token: admin, headers: { "if-match": "3" } })).status).toBe(412);
    expect((await h.call("PATCH", path, { token: admin, body: { description: "e" }, headers: { "if-match": "v4" } })).status).toBe(422);
  });

  it("deletes, returns the deleted connection, frees the name, and answers 404 after", async () => {
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-delete", { projectId: "proj-del" }) })).body.appConnection;
    const res = await h.call("DELETE", `${BASE}/${created.id}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.appConnection).toEqual(created);
    expect((await h.call("GET", `${BASE}/${created.id}`, { token: admin })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/${created.id}`, { token: admin })).status).toBe(404);
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-delete", { projectId: "proj-del" }) })).status).toBe(200);
  });

  it("names are unique per project and among org-level connections, not across scopes", async () => {
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-scope") })).status).toBe(200);
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-scope", { projectId: "p1" }) })).status).toBe(200);
    expect((await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-scope", { projectId: "p2" }) })).status).toBe(200);
    const dup = await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-scope", { projectId: "p1" }) });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("Conflict");
    const otherOrg = await h.token({ orgId: "org-b", orgRole: "admin" });
    expect((await h.call("POST", BASE, { token: otherOrg, body: createBody(h, "crud-scope") })).status).toBe(200);
  });

  it("validate answers 200 with valid false and Okta's reason once Okta refuses the token", async () => {
    const apiToken = h.validOktaToken();
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "crud-validate", {}, apiToken) })).body.appConnection;
    h.okta.validTokens.delete(apiToken);
    const res = await h.call("POST", `${BASE}/${created.id}/validate`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: false, error: { error: "InvalidCredentials" } });
    expect(res.body.error.message).toContain("Invalid token provided");
    expect(Date.parse(res.body.checkedAt)).not.toBeNaN();
    expect(res.text).not.toContain(apiToken);
  });

  it("serves options and the all-apps list with and without a trailing slash", async () => {
    const options = await h.call("GET", "/api/v1/app-connections/options", { token: admin });
    expect(options.body).toEqual({ appConnectionOptions: [{ name: "Okta", app: "okta", methods: ["api-token", "client-credentials"] }] });
    const all = await h.call("GET", "/api/v1/app-connections", { token: admin });
    const slash = await h.call("GET", "/api/v1/app-connections/", { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.appConnections.length).toBeGreaterThan(0);
    expect(slash.body).toEqual(all.body);
  });
});
