import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHealthSchedule } from "../../functions/local/health-schedule";
import { BASE, startHealthRig, type HealthRig } from "./rig";

let rig: HealthRig;
beforeAll(async () => {
  rig = await startHealthRig({ orgs: 3, concurrency: 2 });
});
afterAll(() => rig?.close());

describe("the schedule", () => {
  it("checks every connection within the interval, and not before it is due", async () => {
    const made = [];
    for (const [i, okta] of rig.oktas.entries()) for (let n = 0; n < 2; n++) made.push((await rig.create(`every-${i}-${n}`, okta)).connection);
    const seen = rig.oktas.map((o) => o.requests.length);
    expect(await rig.health.sweepAndCheck()).toEqual([]); // just proven at creation: nothing due yet
    expect(rig.oktas.map((o) => o.requests.length)).toEqual(seen);

    rig.advance(rig.intervalSeconds);
    const outcomes = await rig.health.sweepAndCheck();
    const ids = made.map((c) => c.id);
    expect(outcomes.filter((o) => ids.includes(o.connectionId)).map((o) => o.outcome)).toEqual(ids.map(() => "recorded"));
    for (const c of made) {
      const now = await rig.get(c.id);
      expect(now.health).toMatchObject({ status: "healthy", checkedAt: rig.now(), lastHealthyAt: rig.now() });
      expect([now.version, now.updatedAt, now.credentialsHash]).toEqual([c.version, c.updatedAt, c.credentialsHash]);
    }
    expect(rig.oktas.map((o, i) => o.requests.length - seen[i]!)).toEqual([2, 2, 2]);
    // Checked now, so due again one interval later, not sooner.
    expect(await rig.health.sweepAndCheck()).toEqual([]);
    rig.advance(rig.intervalSeconds - 1);
    expect(await rig.health.sweepAndCheck()).toEqual([]);
    rig.advance(1);
    expect((await rig.health.sweepAndCheck()).filter((o) => ids.includes(o.connectionId))).toHaveLength(ids.length);
  });

  it("a revoked token makes it unhealthy with one health-changed event; restored, healthy with one more; no update events", async () => {
    const okta = rig.oktas[0]!;
    const { connection, apiToken } = await rig.create("revoked", okta);
    const mine = async (type?: string) => (await rig.events(type)).filter((e) => e.detail.connectionId === connection.id);
    okta.validTokens.delete(apiToken);
    rig.advance(rig.intervalSeconds);
    await rig.health.sweepAndCheck();
    rig.advance(rig.intervalSeconds);
    await rig.health.sweepAndCheck(); // still revoked: status unchanged, so no second event
    expect((await rig.get(connection.id)).health).toMatchObject({ status: "unhealthy", consecutiveFailures: 2, error: { error: "InvalidCredentials" } });
    let events = await mine();
    expect(events.map((e) => `${e.detail.from}->${e.detail.to}`)).toEqual(["healthy->unhealthy"]);
    expect(events[0]!.detail).toEqual({
      eventId: expect.any(String),
      connectionId: connection.id,
      orgId: connection.orgId,
      projectId: null,
      name: "revoked",
      app: "okta",
      from: "healthy",
      to: "unhealthy",
      checkedAt: expect.any(String),
      error: { error: "InvalidCredentials", message: expect.stringContaining("Okta rejected the API token") },
    });
    expect(JSON.stringify(events)).not.toContain(apiToken);

    okta.validTokens.add(apiToken);
    rig.advance(rig.intervalSeconds);
    await rig.health.sweepAndCheck();
    events = await mine();
    expect(events.map((e) => `${e.detail.from}->${e.detail.to}`)).toEqual(["healthy->unhealthy", "unhealthy->healthy"]);
    expect(events[1]!.detail.error).toBeNull();
    // Health writes are not changes of the connection: only its creation made a change event.
    const changes = (await rig.events("app-connection.updated")).filter((e) => e.detail.connectionId === connection.id);
    expect(changes).toEqual([]);
    expect((await rig.get(connection.id)).version).toBe(1);
  });

  it("new credentials on an unhealthy connection: one update event (credentials changed) and one health-changed event back to healthy", async () => {
    const okta = rig.oktas[2]!;
    const { connection, apiToken } = await rig.create("rotated-back", okta);
    okta.validTokens.delete(apiToken);
    await rig.call("POST", `${BASE}/${connection.id}/validate`);
    const patched = await rig.call("PATCH", `${BASE}/${connection.id}`, { credentials: { instanceUrl: okta.origin, apiToken: rig.token(okta) } });
    expect(patched.body.appConnection.health).toMatchObject({ status: "healthy", consecutiveFailures: 0, error: null });
    const mine = (await rig.events()).filter((e) => e.detail.connectionId === connection.id);
    expect(mine.map((e) => `${e.detail.from}->${e.detail.to}`)).toEqual(["healthy->unhealthy", "unhealthy->healthy"]);
    const updates = (await rig.events("app-connection.updated")).filter((e) => e.detail.connectionId === connection.id);
    expect(updates.map((e) => [e.detail.version, e.detail.credentialsUpdated])).toEqual([[2, true]]);
  });

  it("npm start's in-process schedule sweeps at once and then every period, and stops cleanly", async () => {
    const { connection } = await rig.create("scheduled", rig.oktas[0]!);
    rig.advance(rig.intervalSeconds);
    const schedule = startHealthSchedule(rig.health, { periodSeconds: 1 });
    const checkedNow = async () => (await rig.get(connection.id)).health.checkedAt === rig.now();
    for (let i = 0; i < 50 && !(await checkedNow()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await checkedNow()).toBe(true);
    rig.advance(rig.intervalSeconds);
    for (let i = 0; i < 50 && !(await checkedNow()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await checkedNow()).toBe(true);
    await schedule.stop();
  });

  it("lists filter by health, with bounded pages and working cursors", async () => {
    const okta = rig.oktas[1]!;
    const made = [];
    for (let n = 0; n < 5; n++) made.push(await rig.create(`filter-${n}`, okta, { projectId: "filtered" }));
    for (const n of [1, 3, 4]) okta.validTokens.delete(made[n]!.apiToken);
    for (const n of [1, 3, 4]) await rig.call("POST", `${BASE}/${made[n]!.connection.id}/validate`);
    const names = (list: { name: string }[]) => list.map((c) => c.name);
    const unhealthy = await rig.call("GET", `${BASE}?projectId=filtered&health=unhealthy`);
    expect(names(unhealthy.body.appConnections)).toEqual(["filter-1", "filter-3", "filter-4"]);
    const healthy = await rig.call("GET", `${BASE}?projectId=filtered&health=healthy`);
    expect(names(healthy.body.appConnections)).toEqual(["filter-0", "filter-2"]);
    expect((await rig.call("GET", `${BASE}?projectId=filtered&health=unknown`)).body.appConnections).toEqual([]);
    const first = await rig.call("GET", `${BASE}?projectId=filtered&health=unhealthy&limit=2`);
    expect(names(first.body.appConnections)).toEqual(["filter-1", "filter-3"]);
    const second = await rig.call("GET", `${BASE}?projectId=filtered&health=unhealthy&limit=2&cursor=${first.body.nextCursor}`);
    expect(names(second.body.appConnections)).toEqual(["filter-4"]);
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor belongs to its filter.
    expect((await rig.call("GET", `${BASE}?projectId=filtered&health=healthy&limit=2&cursor=${first.body.nextCursor}`)).status).toBe(422);
    const all = await rig.call("GET", `/api/v1/app-connections?projectId=filtered&health=healthy`);
    expect(names(all.body.appConnections)).toEqual(["filter-0", "filter-2"]);
    const available = await rig.call("GET", `${BASE}/available?projectId=filtered&health=unhealthy`);
    expect(names(available.body.appConnections)).toEqual(["filter-1", "filter-3", "filter-4"]);
    expect((await rig.call("GET", `${BASE}?health=sick`)).status).toBe(422);
  });
});
