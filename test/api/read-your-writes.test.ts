import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";
import { installStaleIndex } from "../support/stale-index";

/**
 * Contract section 6: `connection-name/:name` answers the new state right after a create, rename
 * or delete. The name index here lags behind the table, as a GSI in AWS may.
 */
let h: Harness;
let admin: string;
let stale: ReturnType<typeof installStaleIndex>;
const BASE = "/api/v1/app-connections/okta";
const PROJECT = "proj-ryw";
const byName = (name: string) => h.call("GET", `${BASE}/connection-name/${name}?projectId=${PROJECT}`, { token: admin });
const listedNames = async () =>
  (await h.call("GET", `${BASE}?projectId=${PROJECT}`, { token: admin })).body.appConnections.map((c: { name: string }) => c.name);

beforeAll(async () => {
  h = await startHarness();
  stale = installStaleIndex(h.dynamodb, h.tableName);
  admin = await h.token({ orgId: "org-ryw", orgRole: "admin" });
});
beforeEach(() => stale.thaw());
afterAll(() => h.close());

async function create(name: string) {
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, name, { projectId: PROJECT }) });
  expect(res.status, res.text).toBe(200);
  return res.body.appConnection;
}

describe("get by name reads its own writes while the index lags", () => {
  it("right after create", async () => {
    await stale.freeze();
    const created = await create("ryw-created");
    // The stand-in is active: the index-backed list does not show the new connection yet.
    expect(await listedNames()).not.toContain("ryw-created");
    const res = await byName("ryw-created");
    expect(res.status, res.text).toBe(200);
    expect(res.body.appConnection).toEqual(created);
  });

  it("right after a rename: the new name answers, the old one is gone", async () => {
    const created = await create("ryw-before");
    await stale.freeze();
    const renamed = await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { name: "ryw-after" } });
    expect(renamed.status).toBe(200);
    expect(await listedNames()).toContain("ryw-before");
    expect((await byName("ryw-after")).body.appConnection).toEqual(renamed.body.appConnection);
    expect((await byName("ryw-before")).status).toBe(404);
  });

  it("right after an update: the new version answers", async () => {
    const created = await create("ryw-updated");
    await stale.freeze();
    await h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { description: "fresh" } });
    expect((await byName("ryw-updated")).body.appConnection).toMatchObject({ version: 2, description: "fresh" });
  });

  it("right after delete", async () => {
    const created = await create("ryw-deleted");
    await stale.freeze();
    expect((await h.call("DELETE", `${BASE}/${created.id}`, { token: admin })).status).toBe(200);
    expect(await listedNames()).toContain("ryw-deleted");
    const res = await byName("ryw-deleted");
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("NotFound");
  });
});
