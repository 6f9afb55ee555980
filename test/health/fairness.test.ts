import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDue } from "../../functions/core/health/sweep";
import * as keys from "../../functions/core/storage/keys";
import type { FakeOkta } from "../support/fake-okta";
import { ORG, startHealthRig, type HealthRig } from "./rig";

let rig: HealthRig;
beforeAll(async () => {
  rig = await startHealthRig({ orgs: 3, concurrency: 2 });
});
afterAll(() => rig?.close());

/** `count` connections on `okta`, then the clock moved so they are due; answers their due entries. */
async function dueOn(okta: FakeOkta, prefix: string, count: number) {
  const made = [];
  for (let n = 0; n < count; n++) made.push((await rig.create(`${prefix}-${n}`, okta)).connection);
  rig.advance(rig.intervalSeconds);
  return made.map((c) => ({ orgId: ORG, id: c.id as string, nextCheckAt: rig.now() }));
}

const sinceNow = (okta: FakeOkta) => {
  const from = okta.requests.length;
  return () => okta.requests.slice(from);
};

describe("fairness towards each Okta org", () => {
  it("never more than HEALTH_CHECK_CONCURRENCY in flight towards one org; a slow org holds back no other", async () => {
    const [slow, fast] = rig.oktas as [FakeOkta, FakeOkta];
    const due = [...(await dueOn(slow, "slow", 6)), ...(await dueOn(fast, "fast", 4))];
    const slowSeen = sinceNow(slow);
    const fastSeen = sinceNow(fast);
    slow.respondWith((req) => ({ ...slow.standard(req), delayMs: 300 }));
    let fastDoneAt = 0;
    fast.respondWith((req) => ((fastDoneAt = Date.now()), fast.standard(req)));
    const outcomes = await rig.health.checker.checkAll(due);
    slow.respondWith(null);
    fast.respondWith(null);
    expect(outcomes.map((o) => o.outcome)).toEqual(due.map(() => "recorded"));
    expect(slow.maxInFlight()).toBe(2);
    expect(fast.maxInFlight()).toBeLessThanOrEqual(2);
    expect(slowSeen()).toHaveLength(6);
    expect(fastSeen()).toHaveLength(4);
    // Three rounds of 300 ms at the slow org; the fast org was done long before the second.
    expect(fastDoneAt).toBeLessThan(slowSeen()[2]!.at);
  });

  it("after a 429 nothing goes to that org before Retry-After, while other orgs are still checked; status stays", async () => {
    const [slow, throttled] = rig.oktas as [FakeOkta, FakeOkta];
    const due = [...(await dueOn(throttled, "throttled", 3)), ...(await dueOn(slow, "slow-b", 6))];
    const throttledSeen = sinceNow(throttled);
    const slowSeen = sinceNow(slow);
    let refused = 0;
    throttled.respondWith((req) =>
      refused++ === 0
        ? { status: 429, headers: { "Retry-After": "2" }, body: { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." } }
        : throttled.standard(req),
    );
    slow.respondWith((req) => ({ ...slow.standard(req), delayMs: 250 }));
    const outcomes = await rig.health.checker.checkAll(due);
    throttled.respondWith(null);
    slow.respondWith(null);
    expect(outcomes.map((o) => o.outcome)).toEqual(due.map(() => "recorded"));
    const sent = throttledSeen();
    // Concurrency 2: two went at once; one was refused, and the third waited for Retry-After.
    expect(sent).toHaveLength(3);
    const refusedAt = Math.max(sent[0]!.at, sent[1]!.at);
    expect(sent[2]!.at - refusedAt).toBeGreaterThanOrEqual(1_900);
    const inWindow = slowSeen().filter((r) => r.at > refusedAt && r.at < refusedAt + 1_900);
    expect(inWindow.length).toBeGreaterThanOrEqual(2);
    const limited = await Promise.all(due.slice(0, 3).map((d) => rig.get(d.id)));
    const rateLimited = limited.filter((c) => c.health.error?.error === "UpstreamRateLimited");
    expect(rateLimited).toHaveLength(1);
    expect(rateLimited[0]!.health).toMatchObject({ status: "healthy", consecutiveFailures: 1 });
  });

  it("inside a Retry-After window a batch that may not wait defers that org's checks", async () => {
    const throttled = rig.oktas[1]!;
    const due = await dueOn(throttled, "deferred", 2);
    rig.health.limiter.pauseFor(throttled.origin, 5_000);
    const seen = sinceNow(throttled);
    const outcomes = await rig.health.checker.checkAll(due, { maxWaitMs: 1_000 });
    expect(outcomes.map((o) => o.outcome)).toEqual(["deferred", "deferred"]);
    expect(seen()).toEqual([]);
  });

  it("slows down when X-Rate-Limit-Remaining runs low", async () => {
    const okta = rig.oktas[2]!;
    const due = await dueOn(okta, "low", 3);
    const seen = sinceNow(okta);
    okta.respondWith((req) => ({
      ...okta.standard(req),
      headers: { "X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "1", "X-Rate-Limit-Reset": String(Math.ceil(Date.now() / 1000) + 2) },
    }));
    await rig.health.checker.checkAll(due);
    okta.respondWith(null);
    const sent = seen();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.at - sent[1]!.at).toBeGreaterThanOrEqual(900);
  });
});

describe("the due index", () => {
  it("a sweep over 5,000 connections finds the due ones with a few Queries and no Scan", async () => {
    const now = rig.now();
    const at = (minutes: number) => new Date(Date.parse(now) + minutes * 60_000).toISOString();
    const items = Array.from({ length: 5_000 }, (_, i) => {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const nextCheckAt = i % 20 === 0 ? at(-1 - (i % 7)) : at(1 + (i % 50));
      return { ...keys.connectionKey("org-bulk", id), ...keys.healthDueKey("org-bulk", id, nextCheckAt), type: "connection", id };
    });
    for (let i = 0; i < items.length; i += 25) {
      const RequestItems = { [rig.tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })) };
      await rig.dynamodb.send(new BatchWriteItemCommand({ RequestItems }));
    }
    rig.calls.reset();
    const bulkIds = (batch: { orgId: string; id: string }[]) => batch.filter((d) => d.orgId === "org-bulk").map((d) => d.id);
    const found: string[] = [];
    await sweepDue({ store: rig.parts.store, clock: () => new Date(now), dispatch: async (batch) => void found.push(...bulkIds(batch)) });
    const expected = items.filter((_, i) => i % 20 === 0).map((item) => item.id);
    expect(found.sort()).toEqual(expected.sort());
    expect(rig.calls.counts["dynamodb:ScanCommand"]).toBeUndefined();
    // 250 due over 8 partitions: at most one Query per 100 due, plus one per partition.
    expect(rig.calls.counts["dynamodb:QueryCommand"]).toBeLessThanOrEqual(keys.HEALTH_DUE_SHARDS + Math.ceil(expected.length / 100) + 1);
    expect(rig.calls.total("dynamodb")).toBe(rig.calls.counts["dynamodb:QueryCommand"]);

    // Pages of 10 are handed on, yet read a thousand at a time: one Query per partition.
    rig.calls.reset();
    const pages: number[] = [];
    const again: string[] = [];
    const dispatch = async (batch: { orgId: string; id: string }[]) => void (pages.push(batch.length), again.push(...bulkIds(batch)));
    await sweepDue({ store: rig.parts.store, clock: () => new Date(now), pageSize: 10, dispatch });
    expect(again.sort()).toEqual(expected.sort());
    expect(Math.max(...pages)).toBe(10);
    expect(rig.calls.counts["dynamodb:QueryCommand"]).toBe(keys.HEALTH_DUE_SHARDS);
  }, 120_000); // 5,000 items written in batches of 25: slow on a loaded 2-core machine
});
