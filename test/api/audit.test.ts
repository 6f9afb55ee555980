import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEventSchema } from "../../functions/api/responses";
import { createBody, startHarness, type Harness } from "../support/harness";

let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-audit", orgRole: "admin", sub: "alice" });
});
afterAll(() => h.close());

describe("audit trail", () => {
  it("records create, update (credentialsUpdated), rename and delete, newest first, with no secret", async () => {
    const first = h.validOktaToken();
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "audited", { projectId: "pa" }, first) })).body.appConnection;
    const path = `${BASE}/${created.id}`;
    await h.call("PATCH", path, { token: admin, body: { description: "d" } });
    const second = h.validOktaToken();
    await h.call("PATCH", path, { token: admin, body: { credentials: { instanceUrl: h.okta.origin, apiToken: second } } });
    await h.call("PATCH", path, { token: admin, body: { name: "audited-renamed" } });
    const deleted = await h.call("DELETE", path, { token: admin });

    const res = await h.call("GET", "/api/v1/audit-logs?projectId=pa", { token: admin });
    expect(res.status).toBe(200);
    const events = res.body.auditLogs.map((e: unknown) => auditEventSchema.parse(e));
    expect(events.map((e: { action: string }) => e.action)).toEqual([
      "delete-app-connection",
      "update-app-connection",
      "update-app-connection",
      "update-app-connection",
      "create-app-connection",
    ]);
    expect(events.map((e: { metadata: unknown }) => e.metadata)).toEqual([
      { name: "audited-renamed", app: "okta" },
      { name: "audited-renamed", app: "okta", credentialsUpdated: false },
      { name: "audited", app: "okta", credentialsUpdated: true },
      { name: "audited", app: "okta", credentialsUpdated: false },
      { name: "audited", app: "okta" },
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ actor: { type: "user", id: "alice" }, connectionId: created.id, orgId: "org-audit", projectId: "pa" });
    }
    expect(events[0].reqId).toBe(deleted.headers.get("x-request-id"));
    expect(res.text).not.toContain(first);
    expect(res.text).not.toContain(second);
  });

  it("pages newest first with a cursor and keeps org-level events apart", async () => {
    for (let i = 0; i < 5; i++) await h.call("POST", BASE, { token: admin, body: createBody(h, `org-level-${i}`) });
    const page1 = await h.call("GET", "/api/v1/audit-logs?limit=3", { token: admin });
    expect(page1.body.auditLogs).toHaveLength(3);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await h.call("GET", `/api/v1/audit-logs?limit=3&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { token: admin });
    expect(page2.body.auditLogs).toHaveLength(2);
    expect(page2.body.nextCursor).toBeUndefined();
    const names = [...page1.body.auditLogs, ...page2.body.auditLogs].map((e: { metadata: { name: string } }) => e.metadata.name);
    expect(names).toEqual(["org-level-4", "org-level-3", "org-level-2", "org-level-1", "org-level-0"]);
  });

  it("emits one structured audit line per read", async () => {
    const created = (await h.call("POST", BASE, { token: admin, body: createBody(h, "read-audited") })).body.appConnection;
    const before = h.logs.length;
    await h.call("GET", `${BASE}/${created.id}`, { token: admin });
    await h.call("GET", `${BASE}/connection-name/read-audited`, { token: admin });
    await h.call("GET", BASE, { token: admin });
    const lines = h.logs.slice(before).map((l) => JSON.parse(l)).filter((l) => l.message === "audit");
    expect(lines.map((l) => l.action)).toEqual(["read-app-connection", "read-app-connection", "list-app-connections"]);
    expect(lines[0]).toMatchObject({ actor: { type: "user", id: "alice" }, orgId: "org-audit", connectionId: created.id });
  });
});
