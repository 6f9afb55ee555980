import type { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { awsClientConfig } from "../../functions/core/aws-client-config";
import { changeEventOf } from "../../functions/events/change-events";
import { CHANGE_EVENT_FILTERS } from "../../functions/events/stream-filters";
import { createStreamReader } from "../../functions/local/stream-reader";
import { createEventBridgePublisher } from "../../functions/events/eventbridge";
import type { EventEntry } from "../../functions/events/publisher";
import { createStreamHandler } from "../../functions/events/stream-handler";
import { createBody, rawText } from "../support/harness";
import { memoryPublisher, remove, sqsRecord, startProvisionRig, upsert, type ProvisionRig } from "./rig";

let rig: ProvisionRig;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  rig = await startProvisionRig();
  admin = await rig.h.token({ orgId: "org-p", orgRole: "admin" });
});
afterAll(() => rig.close());

describe("change events from the table's stream", () => {
  it("every API and queue change yields exactly one event, with ids and versions and no secret", async () => {
    const before = (await rig.changeEvents()).length;
    const apiToken = rig.h.validOktaToken();
    const created = (await rig.h.call("POST", BASE, { token: admin, body: createBody(rig.h, "ev-api", { projectId: "proj-p" }, apiToken) })).body.appConnection;
    await rig.h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { description: "described" } });
    const rotated = rig.h.validOktaToken();
    await rig.h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { credentials: { instanceUrl: rig.h.okta.origin, apiToken: rotated } } });
    await rig.h.call("DELETE", `${BASE}/${created.id}`, { token: admin });
    // Refused and read-only requests change nothing, so they yield nothing.
    await rig.h.call("POST", BASE, { token: admin, body: createBody(rig.h, "ev-refused", {}, "00" + "z".repeat(40)) });
    await rig.h.call("GET", `${BASE}?projectId=proj-p`, { token: admin });

    const queued = upsert(rig, { name: "ev-queue" });
    await rig.deliver([sqsRecord(queued), sqsRecord(upsert(rig, { name: "ev-queue", credentials: undefined, description: "q" })), sqsRecord(queued)]);
    await rig.deliver([sqsRecord(upsert(rig, { name: "ev-queue", credentials: undefined, description: "q" })), sqsRecord(remove({ name: "ev-queue" }))]);

    const events = (await rig.changeEvents()).slice(before);
    expect(events.map((e) => `${e.detailType} ${e.detail.name} v${e.detail.version} creds:${e.detail.credentialsUpdated}`)).toEqual([
      "app-connection.created ev-api v1 creds:true",
      "app-connection.updated ev-api v2 creds:false",
      "app-connection.updated ev-api v3 creds:true",
      "app-connection.deleted ev-api v4 creds:false",
      "app-connection.created ev-queue v1 creds:true",
      "app-connection.updated ev-queue v2 creds:false",
      "app-connection.deleted ev-queue v3 creds:false",
    ]);
    expect(events[0]!.detail).toMatchObject({ connectionId: created.id, orgId: "org-p", projectId: "proj-p", app: "okta" });
    expect(new Set(events.map((e) => e.detail.eventId)).size).toBe(events.length);
    expect(Object.keys(events[0]!.detail).sort()).toEqual(
      ["app", "connectionId", "credentialsUpdated", "eventId", "name", "occurredAt", "orgId", "projectId", "version"].sort(),
    );
    const text = rawText(events);
    for (const secret of [apiToken, rotated, queued.credentials.apiToken]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/ciphertext|encryptedDataKey|secret|credentialsHash/);
  });

  it("a delete's event carries the delete's own time (ms) and the version one past the last write", async () => {
    const before = (await rig.changeEvents()).length;
    const created = (await rig.h.call("POST", BASE, { token: admin, body: createBody(rig.h, "ev-delete", { projectId: "proj-p" }) })).body.appConnection;
    const updated = (await rig.h.call("PATCH", `${BASE}/${created.id}`, { token: admin, body: { description: "x" } })).body.appConnection;
    const deletedAt = Date.now();
    expect((await rig.h.call("DELETE", `${BASE}/${created.id}`, { token: admin })).status).toBe(200);
    const events = (await rig.changeEvents()).slice(before).filter((e) => e.detail.connectionId === created.id);
    const deleted = events.find((e) => e.detailType === "app-connection.deleted")!;
    expect(deleted.detail.version).toBe(updated.version + 1);
    // Ordered by version, as consumers do, the delete comes last.
    expect([...events].sort((a, b) => Number(a.detail.version) - Number(b.detail.version)).at(-1)).toBe(deleted);
    // Its time is the delete's, to the millisecond: the same instant as the delete's audit event.
    const auditLog = (await rig.h.call("GET", "/api/v1/audit-logs?projectId=proj-p&limit=5", { token: admin })).body.auditLogs;
    const audited = auditLog.find((a: any) => a.action === "delete-app-connection" && a.connectionId === created.id);
    expect(deleted.detail.occurredAt).toBe(audited.createdAt);
    expect(deleted.detail.occurredAt).toMatch(/\.\d{3}Z$/);
    expect(deleted.time.getTime()).toBe(Date.parse(audited.createdAt));
    expect(Math.abs(deleted.time.getTime() - deletedAt)).toBeLessThan(2_000);
    expect(String(deleted.detail.occurredAt) >= updated.updatedAt).toBe(true);
    expect(deleted.detail).toMatchObject({ orgId: "org-p", projectId: "proj-p", name: "ev-delete", app: "okta", credentialsUpdated: false });
    expect(Object.keys(deleted.detail).sort()).toEqual(Object.keys(events[0]!.detail).sort());
    // The audit log shows nothing of the stream's helper attribute.
    expect(Object.keys(audited)).not.toContain("connectionVersion");
  });

  it("the stack's stream filter lets through exactly the records that make events", async () => {
    // Everything of this table's stream so far (creates, updates, deletes, locks, audit items, watermarks).
    const records: DynamoDBRecord[] = [];
    const dir = mkdtempSync(join(tmpdir(), "oac-filter-"));
    const streams = new DynamoDBStreamsClient(awsClientConfig({ endpoint: inject("dynamoEndpoint") }));
    const reader = createStreamReader({
      dynamo: rig.h.dynamodb,
      streams,
      tableName: rig.h.tableName,
      handler: async (event) => (records.push(...event.Records), { batchItemFailures: [] }),
      checkpointFile: join(dir, "checkpoint.json"),
    });
    try {
      await reader.drain();
    } finally {
      await reader.stop();
      streams.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
    const kinds = new Set(records.map((r) => `${r.eventName} ${(r.dynamodb?.NewImage ?? r.dynamodb?.OldImage)?.type?.S}`));
    for (const kind of ["INSERT connection", "MODIFY connection", "REMOVE connection", "INSERT audit", "INSERT name-lock", "REMOVE name-lock"]) {
      expect(kinds.has(kind), kind).toBe(true);
    }
    for (const record of records) {
      const passes = CHANGE_EVENT_FILTERS.some((pattern) => matches(pattern, record));
      expect(passes, JSON.stringify(record.dynamodb?.Keys)).toBe(changeEventOf(record) !== null);
    }
  });

  it("reports the first record it could not publish, so the stream delivers from there again", async () => {
    const image = (id: string, version: number) => ({ type: { S: "connection" }, id: { S: id }, orgId: { S: "o" }, name: { S: id }, version: { N: String(version) } });
    const record = (seq: string, name: "INSERT" | "MODIFY" | "REMOVE", img: object | null): DynamoDBRecord => ({
      eventID: `ev-${seq}`,
      eventName: name,
      eventSource: "aws:dynamodb",
      dynamodb: { SequenceNumber: seq, ...(name === "REMOVE" ? { OldImage: img as never } : { NewImage: img as never }) },
    });
    const lock = { type: { S: "name-lock" }, connectionId: { S: "c" } };
    const deleteAudit = { type: { S: "audit" }, action: { S: "delete-app-connection" }, connectionId: { S: "a" }, connectionVersion: { N: "3" } };
    const publisher = memoryPublisher();
    const handler = createStreamHandler({ publisher });
    const records = [record("100", "INSERT", lock), record("101", "INSERT", image("a", 1)), record("102", "MODIFY", image("a", 2)), record("103", "REMOVE", image("a", 2)), record("104", "INSERT", deleteAudit)];
    publisher.failNext(0);
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(publisher.entries.map((e) => e.detailType)).toEqual(["app-connection.created", "app-connection.updated", "app-connection.deleted"]);
    publisher.failNext(1);
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: "101" }] });
  });
});

describe("EventBridge adapter", () => {
  const entry = (i: number): EventEntry => ({ detailType: "app-connection.created", detail: { eventId: `e${i}` }, time: new Date(0) });

  /** A PutEvents stand-in: refuses the entries whose eventId is in `refuse` (each time, or `times` times). */
  function fakeClient(refuse: Map<string, number>) {
    const calls: string[][] = [];
    const client = {
      async send(command: PutEventsCommand) {
        const ids = command.input.Entries!.map((e) => JSON.parse(e.Detail!).eventId as string);
        calls.push(ids);
        const results = ids.map((id) => {
          const left = refuse.get(id) ?? 0;
          if (left <= 0) return { EventId: `eb-${id}` };
          refuse.set(id, left - 1);
          return { ErrorCode: "InternalFailure", ErrorMessage: "try again" };
        });
        return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
      },
    };
    return { calls, client: client as unknown as EventBridgeClient };
  }

  it("sends at most 10 entries per call and resends only the refused ones", async () => {
    const { calls, client } = fakeClient(new Map([["e3", 1], ["e14", 2]]));
    const publisher = createEventBridgePublisher({ client, busName: "bus", baseDelayMs: 1 });
    const result = await publisher.publish(Array.from({ length: 23 }, (_, i) => entry(i)));
    expect(result.failed).toEqual([]);
    expect(calls.map((c) => c.length)).toEqual([10, 1, 10, 1, 1, 3]);
    expect(calls[1]).toEqual(["e3"]);
    expect(calls[3]).toEqual(["e14"]);
  });

  it("gives up after a bounded number of tries and returns what is left", async () => {
    const { calls, client } = fakeClient(new Map([["e1", 99]]));
    const publisher = createEventBridgePublisher({ client, busName: "bus", maxAttempts: 3, baseDelayMs: 1 });
    const result = await publisher.publish([entry(0), entry(1)]);
    expect(result.failed.map((e) => e.detail.eventId)).toEqual(["e1"]);
    expect(calls).toEqual([["e0", "e1"], ["e1"], ["e1"]]);
  });
});

/** Lambda's event-filter rule for the patterns used here: a list matches any of its values, an object each of its keys. */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(value);
  if (pattern && typeof pattern === "object") {
    if (!value || typeof value !== "object") return false;
    return Object.entries(pattern).every(([k, p]) => matches(p, (value as Record<string, unknown>)[k]));
  }
  return pattern === value;
}
