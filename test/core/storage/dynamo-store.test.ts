import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AuditEvent, ConnectionRecord } from "../../../functions/core/connections/model";
import { StoreConflictError, type ConnectionStore } from "../../../functions/core/connections/store";
import { createDynamoClient } from "../../../functions/core/storage/dynamo-client";
import { createDynamoStore } from "../../../functions/core/storage/dynamo-store";
import { ensureTable } from "../../../functions/core/storage/table";
import * as keys from "../../../functions/core/storage/keys";
import { ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

/** The DynamoDB adapter on DynamoDB Local: atomic name locks, optimistic versions, exact paging. */
const client = createDynamoClient({ endpoint: inject("dynamoEndpoint") });
const tableName = `store-${randomUUID()}`;
let store: ConnectionStore;

beforeAll(async () => {
  await ensureTable(client, tableName);
  store = createDynamoStore({ client, tableName });
});
afterAll(() => client.destroy());

const record = (over: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  id: randomUUID(),
  orgId: "org-s",
  projectId: "p1",
  name: `n-${randomUUID().slice(0, 8)}`,
  description: null,
  method: "api-token",
  instanceUrl: "https://acme.okta.com",
  proxy: { allow: ["GET /api/v1/**"] },
  health: { status: "healthy", checkedAt: "2026-01-01T00:00:00.000Z", lastHealthyAt: "2026-01-01T00:00:00.000Z", consecutiveFailures: 0, error: null },
  version: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  credentialsHash: "a".repeat(64),
  secret: { formatVersion: 2, encryptedDataKey: new Uint8Array([1]), iv: new Uint8Array(12), ciphertext: new Uint8Array([2]), tag: new Uint8Array(16) },
  ...over,
});
const audit = (r: ConnectionRecord): AuditEvent => ({
  id: randomUUID(),
  action: "create-app-connection",
  actor: { type: "user", id: "u" },
  connectionId: r.id,
  orgId: r.orgId,
  projectId: r.projectId,
  reqId: "r",
  createdAt: new Date().toISOString(),
  metadata: { name: r.name, app: "okta" },
});

async function locksOf(orgId: string) {
  const out = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return (out.Items ?? []).map((i) => unmarshall(i)).filter((i) => i.type === "name-lock" && i.PK === `ORG#${orgId}`);
}

describe("dynamo store", () => {
  it("round-trips a record, binary secret included", async () => {
    const r = record();
    await store.create(r, audit(r));
    expect(await store.getById(r.orgId, r.id)).toEqual(r);
    expect(await store.getByName(r.orgId, r.projectId, r.name)).toEqual(r);
    expect(await store.isNameTaken(r.orgId, r.projectId, r.name)).toBe(true);
    expect(await store.getById("other-org", r.id)).toBeNull();
  });

  it("lets exactly one of many concurrent creates of a name win", async () => {
    const name = "race-name";
    const attempts = Array.from({ length: 12 }, () => record({ orgId: "org-race", name }));
    const results = await Promise.allSettled(attempts.map((r) => store.create(r, audit(r))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreConflictError);
    }
    expect(await locksOf("org-race")).toHaveLength(1);
  });

  it("moves the name lock on rename and removes it on delete, atomically with the version check", async () => {
    const r = record({ orgId: "org-move" });
    await store.create(r, audit(r));
    const renamed = { ...r, name: "moved", version: 2 };
    await store.update(r, renamed, audit(renamed));
    expect((await locksOf("org-move")).map((l) => l.SK)).toEqual(["NAME#p1#moved"]);
    // A stale writer (still at version 1) is refused and changes nothing.
    await expect(store.update(r, { ...r, name: "stale", version: 2 }, audit(r))).rejects.toMatchObject({ reason: "version-mismatch" });
    await expect(store.remove(r, audit(r))).rejects.toMatchObject({ reason: "version-mismatch" });
    expect((await locksOf("org-move")).map((l) => l.SK)).toEqual(["NAME#p1#moved"]);
    await store.remove(renamed, audit(renamed));
    expect(await locksOf("org-move")).toEqual([]);
    await expect(store.remove(renamed, audit(renamed))).rejects.toMatchObject({ reason: "missing" });
  });

  it("pages exactly: no key after the last page, even when the page is full", async () => {
    for (let i = 0; i < 6; i++) {
      const r = record({ orgId: "org-page", projectId: "pp", name: `item-${i}` });
      await store.create(r, audit(r));
    }
    const first = await store.listScope("org-page", "pp", 3);
    expect(first.items.map((r) => r.name)).toEqual(["item-0", "item-1", "item-2"]);
    const second = await store.listScope("org-page", "pp", 3, first.lastKey);
    expect(second.items.map((r) => r.name)).toEqual(["item-3", "item-4", "item-5"]);
    expect(second.lastKey).toBeUndefined();
    const audits = await store.listAudit("org-page", "pp", 10);
    expect(audits.items).toHaveLength(6);
    expect(audits.items[0]!.createdAt >= audits.items[5]!.createdAt).toBe(true);
  });

  it("lists every field of a connection but its sealed secret, with and without a health filter", async () => {
    const plain = record({ orgId: "org-list", projectId: "pl", name: "plain", description: "d" });
    const app = record({
      orgId: "org-list",
      projectId: "pl",
      name: "service-app",
      method: "client-credentials",
      serviceApp: { clientId: "0oa1", scopes: ["okta.users.read"], keyId: "k1" },
    });
    for (const r of [plain, app]) await store.create(r, audit(r));
    const { secret: _s1, ...plainListed } = plain;
    const { secret: _s2, ...appListed } = app;
    const listed = await store.listScope("org-list", "pl", 10);
    expect(listed.items).toEqual([plainListed, appListed]);
    for (const item of listed.items) expect(item).not.toHaveProperty("secret");
    const healthy = await store.listScope("org-list", "*", 10, undefined, { health: "healthy" });
    expect(healthy.items).toEqual([plainListed, appListed]);
  });

  it("reads what a check needs of many connections at once, over BatchGetItem's 100 keys, in the order asked; a missing one is null", async () => {
    const made = Array.from({ length: 130 }, (_, i) => record({ orgId: i % 2 ? "org-many-a" : "org-many-b", projectId: "pm", name: `many-${i}` }));
    for (const r of made) await store.create(r, audit(r));
    const asked = [...made].reverse().map((r) => ({ orgId: r.orgId, id: r.id }));
    asked.splice(7, 0, { orgId: "org-many-a", id: randomUUID() });
    asked.push({ orgId: made[0]!.orgId, id: made[0]!.id }); // asked twice
    const read = await store.getManyById(asked);
    expect(read).toHaveLength(asked.length);
    expect(read[7]).toBeNull();
    // Whose it is, how it reaches Okta, its sealed secret and health: not its name, policy or history.
    const checked = (r: ConnectionRecord) => {
      const { name, description, proxy, version, updatedAt, ...rest } = r;
      void [name, description, proxy, version, updatedAt];
      return rest;
    };
    const expected = [...made].reverse().map((r) => checked(r) as ReturnType<typeof checked> | null);
    expected.splice(7, 0, null);
    expected.push(checked(made[0]!));
    expect(read).toEqual(expected);
    // An item written before `method` and `health` existed reads as their defaults, as a GET does.
    const old = made[2]!;
    const Key = { PK: { S: keys.connectionKey(old.orgId, old.id).PK }, SK: { S: keys.connectionKey(old.orgId, old.id).SK } };
    await client.send(new UpdateItemCommand({ TableName: tableName, Key, UpdateExpression: "REMOVE #m, #h", ExpressionAttributeNames: { "#m": "method", "#h": "health" } }));
    const [legacy] = await store.getManyById([{ orgId: old.orgId, id: old.id }]);
    const asGot = await store.getById(old.orgId, old.id);
    expect(legacy).toMatchObject({ method: "api-token", health: { status: "healthy", checkedAt: old.createdAt, consecutiveFailures: 0 } });
    expect(legacy).toMatchObject({ method: asGot!.method, health: asGot!.health });
    // The other org's key does not reach a connection of this one.
    expect(await store.getManyById([{ orgId: "org-many-b", id: made[1]!.id }])).toEqual([null]);
  });
});
