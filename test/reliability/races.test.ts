import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { createBody, startHarness, type Harness } from "../support/harness";

/** Races the database must settle: names stay unique, versions stay a real lock, no lock is orphaned. */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  // Okta's real 10 s timeout: 50 simultaneous validations on a shared 2-core machine can be slow.
  h = await startHarness({ oktaTimeoutMs: 10_000 });
  admin = await h.token({ orgId: "org-race", orgRole: "admin" });
});
afterAll(() => h.close());

/** Every connection has exactly one name lock pointing at it, and every lock has its connection. */
async function expectLocksConsistent() {
  const items = (await h.scan()).map((item) => unmarshall(item));
  const connections = items.filter((i) => i.type === "connection");
  const locks = items.filter((i) => i.type === "name-lock");
  const expected = connections.map((c) => `${c.id} NAME#${c.projectId ?? "!"}#${c.name}`).sort();
  expect(locks.map((l) => `${l.connectionId} ${l.SK}`).sort()).toEqual(expected);
  return { connections, locks };
}

describe("races", () => {
  it("50 concurrent creates of one name in one project: exactly one 200 and 49 409s", async () => {
    const bodies = Array.from({ length: 50 }, () => createBody(h, "contested", { projectId: "race" }));
    const replies = await Promise.all(bodies.map((body) => h.call("POST", BASE, { token: admin, body })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of replies.filter((r) => r.status === 409)) expect(r.body.error).toBe("Conflict");
    const { connections } = await expectLocksConsistent();
    expect(connections.filter((c) => c.name === "contested")).toHaveLength(1);
  });

  it("20 concurrent PATCHes with the same If-Match: exactly one succeeds, the rest 412", async () => {
    const { id } = (await h.call("POST", BASE, { token: admin, body: createBody(h, "versioned", { projectId: "race" }) })).body.appConnection;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { description: `writer ${i}` }, headers: { "if-match": "1" } }),
      ),
    );
    const winners = replies.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(replies.filter((r) => r.status === 412)).toHaveLength(19);
    const now = (await h.call("GET", `${BASE}/${id}`, { token: admin })).body.appConnection;
    expect(now).toMatchObject({ version: 2, description: winners[0]!.body.appConnection.description });
  });

  it("concurrent renames and deletes leave no orphaned or missing name lock", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await h.call("POST", BASE, { token: admin, body: createBody(h, `churn-${i}`, { projectId: "churn" }) })).body.appConnection.id);
    }
    // Everyone renames everyone to a few shared names while some get deleted.
    const requests = ids.flatMap((id, i) => [
      h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { name: `target-${i % 2}` } }),
      h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { name: `solo-${i}` } }),
      ...(i % 3 === 0 ? [h.call("DELETE", `${BASE}/${id}`, { token: admin })] : []),
    ]);
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.every((s) => [200, 404, 409].includes(s))).toBe(true);
    const { connections } = await expectLocksConsistent();
    const names = connections.filter((c) => c.projectId === "churn").map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
