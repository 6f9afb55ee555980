import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../functions/core/config";
import type { CheckResult } from "../../functions/core/connections/check";
import { healthyAt } from "../../functions/core/connections/model";
import { nextCheckAt, nextHealth } from "../../functions/core/health/rules";
import { BASE, ORG, startHealthRig, type HealthRig } from "./rig";

let rig: HealthRig;
beforeAll(async () => {
  rig = await startHealthRig({ orgs: 1 });
});
afterAll(() => rig?.close());

const failed = (code: string): CheckResult => ({ valid: false, checkedAt: "2026-01-02T00:00:00.000Z", error: { error: code, message: `${code}!` } });

describe("health settings (section 5)", () => {
  it("HEALTH_CHECK_INTERVAL_S defaults to a day and HEALTH_CHECK_CONCURRENCY to 2; bad values are refused by name", () => {
    expect(loadConfig({})).toMatchObject({ HEALTH_CHECK_INTERVAL_S: 86_400, HEALTH_CHECK_CONCURRENCY: 2 });
    expect(loadConfig({ HEALTH_CHECK_INTERVAL_S: "600", HEALTH_CHECK_CONCURRENCY: "5" })).toMatchObject({ HEALTH_CHECK_INTERVAL_S: 600, HEALTH_CHECK_CONCURRENCY: 5 });
    expect(() => loadConfig({ HEALTH_CHECK_INTERVAL_S: "0" })).toThrow(/HEALTH_CHECK_INTERVAL_S must be an integer/);
    expect(() => loadConfig({ HEALTH_CHECK_CONCURRENCY: "two" })).toThrow(/HEALTH_CHECK_CONCURRENCY must be an integer/);
  });
});

describe("health rules (section 8)", () => {
  const start = healthyAt("2026-01-01T00:00:00.000Z");

  it("transient codes keep the status and count the failure; refusals make it unhealthy; a pass resets it", () => {
    for (const code of ["UpstreamRateLimited", "UpstreamUnavailable", "UpstreamTimeout"]) {
      expect(nextHealth(start, failed(code))).toEqual({ ...start, checkedAt: "2026-01-02T00:00:00.000Z", consecutiveFailures: 1, error: { error: code, message: `${code}!` } });
      expect(nextHealth({ ...start, status: "unhealthy" }, failed(code)).status).toBe("unhealthy");
    }
    for (const code of ["InvalidCredentials", "InvalidInstanceUrl"]) {
      const next = nextHealth(start, failed(code));
      expect(next).toMatchObject({ status: "unhealthy", lastHealthyAt: start.lastHealthyAt, consecutiveFailures: 1, error: { error: code } });
      expect(nextHealth(next, failed(code)).consecutiveFailures).toBe(2);
    }
    const back = nextHealth(nextHealth(start, failed("InvalidCredentials")), { valid: true, checkedAt: "2026-01-03T00:00:00.000Z" });
    expect(back).toEqual(healthyAt("2026-01-03T00:00:00.000Z"));
  });

  it("the next check is one interval later, sooner after a transient failure (never before Retry-After)", () => {
    const ok = { valid: true as const, checkedAt: "2026-01-02T00:00:00.000Z" };
    expect(nextCheckAt(ok, healthyAt(ok.checkedAt), 86_400)).toBe("2026-01-03T00:00:00.000Z");
    const throttled = failed("UpstreamRateLimited");
    const h = nextHealth(start, throttled);
    expect(nextCheckAt(throttled, h, 86_400)).toBe("2026-01-02T00:05:00.000Z");
    expect(nextCheckAt(throttled, h, 86_400, 900)).toBe("2026-01-02T00:15:00.000Z");
    expect(nextCheckAt(throttled, h, 60)).toBe("2026-01-02T00:01:00.000Z");
    expect(nextCheckAt(failed("InvalidCredentials"), h, 86_400)).toBe("2026-01-03T00:00:00.000Z");
  });
});

describe("validate records health without touching the connection's version", () => {
  it("records the outcome; version, updatedAt and credentialsHash stay; an old If-Match still works", async () => {
    const okta = rig.oktas[0]!;
    const { connection: created, apiToken } = await rig.create("validated", okta);
    expect(created.health).toEqual(healthyAt(created.createdAt));
    rig.advance(60);
    okta.validTokens.delete(apiToken);
    const verdict = (await rig.call("POST", `${BASE}/${created.id}/validate`)).body;
    expect(verdict).toMatchObject({ valid: false, error: { error: "InvalidCredentials" } });
    const after = await rig.get(created.id);
    expect(after.health).toEqual({
      status: "unhealthy",
      checkedAt: verdict.checkedAt,
      lastHealthyAt: created.createdAt,
      consecutiveFailures: 1,
      error: verdict.error,
    });
    expect([after.version, after.updatedAt, after.credentialsHash]).toEqual([created.version, created.updatedAt, created.credentialsHash]);

    okta.validTokens.add(apiToken);
    rig.advance(60);
    expect((await rig.call("POST", `${BASE}/${created.id}/validate`)).body.valid).toBe(true);
    expect((await rig.get(created.id)).health).toMatchObject({ status: "healthy", consecutiveFailures: 0, error: null });

    const patched = await rig.call("PATCH", `${BASE}/${created.id}`, { description: "still v1?" }, { "if-match": String(created.version) });
    expect(patched.status).toBe(200);
    expect(patched.body.appConnection).toMatchObject({ version: created.version + 1, health: { status: "healthy" } });
  });

  it("a PATCH that keeps the credentials keeps a health write that raced in between its read and its write", async () => {
    const { connection } = await rig.create("raced-patch", rig.oktas[0]!);
    const store = rig.parts.store;
    const before = (await store.getById(ORG, connection.id))!;
    const unhealthy = { ...before.health, status: "unhealthy" as const, consecutiveFailures: 1, error: { error: "InvalidCredentials", message: "revoked" } };
    const due = "2026-04-01T00:00:00.000Z";
    expect(await store.recordHealth({ orgId: ORG, id: connection.id, credentialsHash: before.credentialsHash, health: unhealthy, nextCheckAt: due })).toBe("recorded");
    const after = { ...before, description: "changed", version: before.version + 1, updatedAt: rig.now() };
    await store.update(before, after, auditOf(after));
    const stored = (await store.getById(ORG, connection.id))!;
    expect(stored).toMatchObject({ description: "changed", version: before.version + 1, health: unhealthy, nextCheckAt: due });
  });

  it("a check of old credentials never overwrites the health of new ones (nor revives a deleted connection)", async () => {
    const okta = rig.oktas[0]!;
    const { connection, apiToken } = await rig.create("raced-check", okta);
    rig.advance(rig.intervalSeconds);
    // The old token is revoked, and Okta is slow to say so: the credentials change meanwhile.
    okta.validTokens.delete(apiToken);
    okta.respondWith((req) => ({ ...okta.standard(req), delayMs: req.headers.authorization === `SSWS ${apiToken}` ? 600 : 0 }));
    const racing = rig.health.checker.checkAll([{ orgId: ORG, id: connection.id, nextCheckAt: rig.now() }]);
    await new Promise((r) => setTimeout(r, 150));
    const rotated = await rig.call("PATCH", `${BASE}/${connection.id}`, { credentials: { instanceUrl: okta.origin, apiToken: rig.token(okta) } });
    expect(rotated.status).toBe(200);
    expect(okta.inFlight()).toBe(1); // the old check is still waiting for Okta
    expect((await racing).map((o) => o.outcome)).toEqual(["superseded"]);
    okta.respondWith(null);
    const now = await rig.get(connection.id);
    expect(now.health).toEqual(rotated.body.appConnection.health);
    expect(now.health.status).toBe("healthy");

    await rig.call("DELETE", `${BASE}/${connection.id}`);
    const write = { orgId: ORG, id: connection.id, credentialsHash: now.credentialsHash, health: now.health, nextCheckAt: rig.now() };
    expect(await rig.parts.store.recordHealth(write)).toBe("superseded");
    expect((await rig.call("GET", `${BASE}/${connection.id}`)).status).toBe(404);
  });
});

const auditOf = (record: { id: string; orgId: string; projectId: string | null; name: string }) => ({
  id: crypto.randomUUID(),
  action: "update-app-connection" as const,
  actor: { type: "user" as const, id: "t" },
  connectionId: record.id,
  orgId: record.orgId,
  projectId: record.projectId,
  reqId: "r",
  createdAt: new Date().toISOString(),
  metadata: { name: record.name, app: "okta" as const, credentialsUpdated: false },
});
