import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallContext } from "../../functions/core/connections/service";
import { startProvisionRig, type ProvisionRig } from "./rig";

/** The domain operations behind provisioning: upsert and delete by name, with the ordering guard. */
let rig: ProvisionRig;
const ctx = (id = "cmdb", orgId = "org-svc"): CallContext => ({ actor: { type: "provisioning", id, orgId }, reqId: `r-${Math.random()}` });
const creds = (token: string) => ({ method: "api-token" as const, instanceUrl: rig.h.okta.origin, apiToken: token });

beforeAll(async () => {
  rig = await startProvisionRig();
});
afterAll(() => rig.close());

describe("upsertByName", () => {
  it("creates, then updates only what differs; equal state is unchanged (no version bump, no audit, no Okta, no KMS)", async () => {
    const token = rig.h.validOktaToken();
    const desired = { projectId: "p1", name: "svc-one", description: "first", credentials: creds(token) };
    const created = await rig.service.upsertByName(ctx(), desired);
    expect(created.outcome).toBe("created");
    expect(created.appConnection).toMatchObject({ name: "svc-one", projectId: "p1", orgId: "org-svc", version: 1, description: "first" });

    const oktaCalls = rig.h.okta.requests.length;
    const kmsCalls = rig.h.localKms.counts.GenerateDataKey ?? 0;
    const same = await rig.service.upsertByName(ctx(), desired);
    expect(same).toMatchObject({ outcome: "unchanged", appConnection: { version: 1 } });
    expect(rig.h.okta.requests.length).toBe(oktaCalls);
    expect(rig.h.localKms.counts.GenerateDataKey ?? 0).toBe(kmsCalls);

    // Omitted credentials keep the stored ones; an omitted description means none.
    const described = await rig.service.upsertByName(ctx(), { projectId: "p1", name: "svc-one", description: null });
    expect(described).toMatchObject({ outcome: "updated", appConnection: { version: 2, description: null } });
    expect(described.appConnection!.credentialsHash).toBe(created.appConnection!.credentialsHash);
    expect(rig.h.okta.requests.length).toBe(oktaCalls);

    // New credentials are validated against Okta and change the hash.
    const rotated = await rig.service.upsertByName(ctx(), { projectId: "p1", name: "svc-one", description: null, credentials: creds(rig.h.validOktaToken()) });
    expect(rotated).toMatchObject({ outcome: "updated", appConnection: { version: 3 } });
    expect(rig.h.okta.requests.length).toBe(oktaCalls + 1);
    expect(rotated.appConnection!.credentialsHash).not.toBe(created.appConnection!.credentialsHash);

    const events = await rig.audit("org-svc", "p1");
    const mine = events.filter((e) => e.connectionId === created.appConnection!.id);
    expect(mine.map((e) => [e.action, e.metadata.credentialsUpdated])).toEqual([
      ["create-app-connection", undefined],
      ["update-app-connection", false],
      ["update-app-connection", true],
    ]);
    expect(mine.every((e) => e.actor.type === "provisioning" && e.actor.id === "cmdb")).toBe(true);
  });

  it("refuses to create without credentials, and with credentials Okta rejects", async () => {
    await expect(rig.service.upsertByName(ctx(), { projectId: null, name: "svc-nocreds", description: null })).rejects.toMatchObject({ code: "ValidationFailure" });
    await expect(
      rig.service.upsertByName(ctx(), { projectId: null, name: "svc-bad", description: null, credentials: creds("00" + "x".repeat(40)) }),
    ).rejects.toMatchObject({ code: "InvalidCredentials" });
    expect(await rig.h.scan().then((items) => items.length)).toBeGreaterThan(0);
    expect((await rig.items("connection")).filter((c) => c.name === "svc-nocreds" || c.name === "svc-bad")).toEqual([]);
  });

  it("concurrent upserts of one name end in one connection", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        rig.service.upsertByName(ctx(), { projectId: "race", name: "svc-race", description: `writer ${i % 2}`, credentials: creds(rig.h.validOktaToken(`race-${i % 2}`)) }),
      ),
    );
    expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
    const conns = (await rig.items("connection")).filter((c) => c.name === "svc-race");
    expect(conns).toHaveLength(1);
    expect((await rig.items("name-lock")).filter((l) => l.SK === "NAME#race#svc-race")).toHaveLength(1);
    // Every later writer saw the connection and updated it (or found it equal): one audit entry per change.
    const changed = results.filter((r) => r.outcome !== "unchanged").length;
    expect((await rig.audit("org-svc", "race")).filter((e) => e.connectionId === conns[0]!.id)).toHaveLength(changed);
  });
});

describe("ordering by sentAt", () => {
  const at = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, "0")}:00Z`;

  it("an upsert older than the last applied one changes nothing", async () => {
    const base = { projectId: "order", name: "svc-order", credentials: creds(rig.h.validOktaToken()) };
    await rig.service.upsertByName(ctx(), { ...base, description: "new" }, { sentAt: at(5) });
    const stale = await rig.service.upsertByName(ctx(), { ...base, description: "old" }, { sentAt: at(1) });
    expect(stale).toMatchObject({ outcome: "unchanged", stale: true });
    const equalTime = await rig.service.upsertByName(ctx(), { ...base, description: "same time" }, { sentAt: at(5) });
    expect(equalTime.outcome).toBe("unchanged");
    const [conn] = (await rig.items("connection")).filter((c) => c.name === "svc-order");
    expect(conn).toMatchObject({ description: "new", version: 1 });
    // Without sentAt no ordering guard applies.
    expect((await rig.service.upsertByName(ctx(), { ...base, description: "unordered" })).outcome).toBe("updated");
  });

  it("an unchanged upsert still advances the mark, so an older differing one stays stale", async () => {
    const base = { projectId: "order", name: "svc-mark", description: "d", credentials: creds(rig.h.validOktaToken()) };
    await rig.service.upsertByName(ctx(), base, { sentAt: at(1) });
    expect((await rig.service.upsertByName(ctx(), base, { sentAt: at(9) })).outcome).toBe("unchanged");
    expect(await rig.service.upsertByName(ctx(), { ...base, description: "older" }, { sentAt: at(5) })).toMatchObject({ stale: true });
  });

  it("an upsert older than a delete does not bring the connection back; deleting what is gone is unchanged", async () => {
    const base = { projectId: "order", name: "svc-gone", description: null, credentials: creds(rig.h.validOktaToken()) };
    await rig.service.upsertByName(ctx(), base, { sentAt: at(1) });
    expect((await rig.service.removeByName(ctx(), { projectId: "order", name: "svc-gone" }, { sentAt: at(10) })).outcome).toBe("deleted");
    expect(await rig.service.upsertByName(ctx(), base, { sentAt: at(5) })).toMatchObject({ outcome: "unchanged", stale: true });
    expect((await rig.items("connection")).filter((c) => c.name === "svc-gone")).toEqual([]);
    expect((await rig.service.removeByName(ctx(), { projectId: "order", name: "svc-gone" })).outcome).toBe("unchanged");
    // The watermark outlives the delete, with a TTL about 15 days out.
    const [mark] = (await rig.items("provisioned")).filter((m) => m.SK === "PROVISIONED#order#svc-gone");
    expect(mark!.sentAt).toBe(Date.parse(at(10)));
    expect(mark!.expiresAt - Date.now() / 1000).toBeGreaterThan(14 * 24 * 3600);
    // A newer upsert recreates it.
    expect((await rig.service.upsertByName(ctx(), base, { sentAt: at(11) })).outcome).toBe("created");
  });

  it("racing messages of one name apply in sentAt order, whatever order they arrive in", async () => {
    const base = { projectId: "order", name: "svc-ordered", credentials: creds(rig.h.validOktaToken()) };
    const minutes = [3, 1, 9, 5, 2, 8];
    await Promise.all(minutes.map((m) => rig.service.upsertByName(ctx(), { ...base, description: `m${m}` }, { sentAt: at(m) })));
    const [conn] = (await rig.items("connection")).filter((c) => c.name === "svc-ordered");
    expect(conn!.description).toBe("m9");
  });

  it("the org comes from the actor: another org's same name is another connection", async () => {
    const desired = { projectId: "p1", name: "svc-one", description: null, credentials: creds(rig.h.validOktaToken()) };
    expect((await rig.service.upsertByName(ctx("cmdb", "org-other"), desired)).outcome).toBe("created");
  });
});
