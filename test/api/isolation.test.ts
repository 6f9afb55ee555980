import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * Tenant isolation (contract section 3): every route, called with another org's token on this
 * org's connection ids and names, answers 404 (never 403) or an empty list, and touches nothing:
 * the raw table is byte-for-byte unchanged and Okta is never called.
 */
let h: Harness;
let adminA: string;
let adminB: string;
let memberB: string;
let projectConn: any;
let orgConn: any;
const BASE = "/api/v1/app-connections/okta";
const PROJECT_A = "proj-iso-a";

beforeAll(async () => {
  h = await startHarness();
  adminA = await h.token({ orgId: "org-iso-a", orgRole: "admin", sub: "alice" });
  adminB = await h.token({ orgId: "org-iso-b", orgRole: "admin", sub: "bob" });
  // A member of B who even claims a role on a project id that A uses: ids are per org.
  memberB = await h.token({ orgId: "org-iso-b", orgRole: "member", sub: "bill", projects: { [PROJECT_A]: "admin" } });
  const p = await h.call("POST", BASE, { token: adminA, body: createBody(h, "iso-project", { projectId: PROJECT_A }) });
  const o = await h.call("POST", BASE, { token: adminA, body: createBody(h, "iso-org") });
  expect(p.status).toBe(200);
  expect(o.status).toBe(200);
  projectConn = p.body.appConnection;
  orgConn = o.body.appConnection;
});
afterAll(() => h.close());

/** Every id/name route on `conn`; each must answer 404 NotFound to a foreign org. */
function idAndNameRoutes(conn: any, h: Harness) {
  const byName = conn.projectId
    ? `${BASE}/connection-name/${conn.name}?projectId=${conn.projectId}`
    : `${BASE}/connection-name/${conn.name}`;
  return [
    { label: "GET by id", method: "GET", path: `${BASE}/${conn.id}` },
    { label: "GET by name", method: "GET", path: byName },
    { label: "PATCH name", method: "PATCH", path: `${BASE}/${conn.id}`, body: { name: "iso-stolen" } },
    { label: "PATCH description", method: "PATCH", path: `${BASE}/${conn.id}`, body: { description: "hijacked" } },
    {
      label: "PATCH credentials",
      method: "PATCH",
      path: `${BASE}/${conn.id}`,
      body: { credentials: { instanceUrl: h.okta.origin, apiToken: h.validOktaToken() } },
    },
    { label: "PATCH with If-Match", method: "PATCH", path: `${BASE}/${conn.id}`, body: { description: "x" }, headers: { "if-match": "1" } },
    { label: "DELETE", method: "DELETE", path: `${BASE}/${conn.id}` },
    { label: "DELETE with If-Match", method: "DELETE", path: `${BASE}/${conn.id}`, headers: { "if-match": "1" } },
    { label: "POST validate", method: "POST", path: `${BASE}/${conn.id}/validate` },
  ] as { label: string; method: string; path: string; body?: unknown; headers?: Record<string, string> }[];
}

describe("another org's token", () => {
  it("answers 404 on every id and name route, changes no byte of the table and never calls Okta", async () => {
    const untouched = await h.untouched();
    for (const conn of [projectConn, orgConn]) {
      for (const route of idAndNameRoutes(conn, h)) {
        const res = await h.call(route.method, route.path, { token: adminB, body: route.body, headers: route.headers });
        expect(res.status, `${route.label} ${route.path}`).toBe(404);
        expect(res.body, route.label).toMatchObject({ statusCode: 404, error: "NotFound" });
        expect(res.text).not.toContain(conn.id);
        expect(res.text).not.toContain("org-iso-a");
      }
    }
    await untouched.check();
  });

  it("a plain member of the other org also gets 404 (never 403) on id routes", async () => {
    const untouched = await h.untouched();
    for (const conn of [projectConn, orgConn]) {
      for (const route of idAndNameRoutes(conn, h).filter((r) => r.label !== "GET by name")) {
        const res = await h.call(route.method, route.path, { token: memberB, body: route.body, headers: route.headers });
        expect(res.status, `${route.label} ${route.path}`).toBe(404);
        expect(res.body.error).toBe("NotFound");
      }
    }
    // The member claims admin on a project id that A happens to use: still nothing of A's.
    const byName = await h.call("GET", `${BASE}/connection-name/${projectConn.name}?projectId=${PROJECT_A}`, { token: memberB });
    expect(byName.status).toBe(404);
    const orgByName = await h.call("GET", `${BASE}/connection-name/${orgConn.name}`, { token: memberB });
    expect(orgByName.status).toBe(404);
    await untouched.check();
  });

  it("sees empty lists on every list route, with and without A's projectId", async () => {
    const untouched = await h.untouched();
    for (const token of [adminB, memberB]) {
      for (const path of [
        `${BASE}?projectId=${PROJECT_A}`,
        BASE,
        `${BASE}?projectId=${PROJECT_A}&limit=5`,
        `${BASE}/available?projectId=${PROJECT_A}`,
        `${BASE}/available`,
        `/api/v1/app-connections?projectId=${PROJECT_A}`,
        "/api/v1/app-connections",
        "/api/v1/app-connections/",
      ]) {
        const res = await h.call("GET", path, { token });
        expect(res.status, path).toBe(200);
        expect(res.body, path).toEqual({ appConnections: [] });
      }
    }
    for (const path of [`/api/v1/audit-logs?projectId=${PROJECT_A}`, "/api/v1/audit-logs", "/api/v1/audit-logs?limit=5"]) {
      const res = await h.call("GET", path, { token: adminB });
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual({ auditLogs: [] });
    }
    // memberB is a project admin of "proj-iso-a", but of the project by that id in org B only.
    const audit = await h.call("GET", `/api/v1/audit-logs?projectId=${PROJECT_A}`, { token: memberB });
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual({ auditLogs: [] });
    await untouched.check();
  });

  it("A still sees its own connections, unchanged", async () => {
    expect((await h.call("GET", `${BASE}/${projectConn.id}`, { token: adminA })).body.appConnection).toEqual(projectConn);
    expect((await h.call("GET", `${BASE}/${orgConn.id}`, { token: adminA })).body.appConnection).toEqual(orgConn);
    const list = await h.call("GET", BASE, { token: adminA });
    expect(list.body.appConnections.map((c: any) => c.id).sort()).toEqual([projectConn.id, orgConn.id].sort());
    expect((await h.call("POST", `${BASE}/${orgConn.id}/validate`, { token: adminA })).body.valid).toBe(true);
  });

  it("the same names in org B do not collide with org A, and each org sees only its own", async () => {
    // The validate above recorded the org connection's health (section 8): nothing else of it changed.
    orgConn = { ...orgConn, health: (await h.call("GET", `${BASE}/${orgConn.id}`, { token: adminA })).body.appConnection.health };
    const p = await h.call("POST", BASE, { token: adminB, body: createBody(h, projectConn.name, { projectId: PROJECT_A }) });
    const o = await h.call("POST", BASE, { token: adminB, body: createBody(h, orgConn.name) });
    expect(p.status).toBe(200);
    expect(o.status).toBe(200);
    expect(p.body.appConnection).toMatchObject({ orgId: "org-iso-b", name: projectConn.name, projectId: PROJECT_A });
    expect(p.body.appConnection.id).not.toBe(projectConn.id);

    const bByName = await h.call("GET", `${BASE}/connection-name/${projectConn.name}?projectId=${PROJECT_A}`, { token: adminB });
    expect(bByName.body.appConnection).toEqual(p.body.appConnection);
    const aByName = await h.call("GET", `${BASE}/connection-name/${projectConn.name}?projectId=${PROJECT_A}`, { token: adminA });
    expect(aByName.body.appConnection).toEqual(projectConn);
    const aOrgByName = await h.call("GET", `${BASE}/connection-name/${orgConn.name}`, { token: adminA });
    expect(aOrgByName.body.appConnection).toEqual(orgConn);

    const listB = await h.call("GET", BASE, { token: adminB });
    expect(listB.body.appConnections.map((c: any) => c.id).sort()).toEqual([p.body.appConnection.id, o.body.appConnection.id].sort());
    const listA = await h.call("GET", BASE, { token: adminA });
    expect(listA.body.appConnections.map((c: any) => c.id).sort()).toEqual([projectConn.id, orgConn.id].sort());

    // Deleting B's copy leaves A's untouched.
    expect((await h.call("DELETE", `${BASE}/${o.body.appConnection.id}`, { token: adminB })).status).toBe(200);
    expect((await h.call("GET", `${BASE}/${orgConn.id}`, { token: adminA })).body.appConnection).toEqual(orgConn);
    // And B's audit log holds only B's events.
    const auditB = await h.call("GET", "/api/v1/audit-logs", { token: adminB });
    expect(auditB.body.auditLogs.length).toBe(2);
    for (const event of auditB.body.auditLogs) expect(event.orgId).toBe("org-iso-b");
  });
});
