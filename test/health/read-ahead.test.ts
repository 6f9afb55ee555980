import { describe, expect, it } from "vitest";
import type { CheckedConnection } from "../../functions/core/connections/model";
import { upstreamRateLimited } from "../../functions/core/errors";
import { createHealthChecker } from "../../functions/core/health/checker";
import { createOrgLimiter } from "../../functions/core/health/limiter";
import type { OktaAccess } from "../../functions/core/okta/access";
import type { SendGate } from "../../functions/core/okta/transport";

/**
 * A run of checks reads the sweep's pages only as far ahead of its checks as its read-ahead lets
 * it (memory), yet neither a paused nor a slow org stops the reading for the other orgs.
 */
const PAGE = 10;
const orgUrl = (n: number) => `https://org-${n}.okta.com`;
const record = (id: string, org: number) =>
  ({ id, orgId: "org-r", projectId: null, instanceUrl: orgUrl(org), credentialsHash: "h", health: { status: "healthy", checkedAt: null, lastHealthyAt: null, consecutiveFailures: 0, error: null } }) as unknown as CheckedConnection;

type Recorder = Parameters<typeof createHealthChecker>[0]["recorder"];
const recordEvery: Recorder["record"] = async (_r, report) => ({
  outcome: "recorded",
  health: { status: "healthy", checkedAt: report.result.checkedAt, lastHealthyAt: null, consecutiveFailures: 0, error: null },
  nextCheckAt: "2100-01-01T00:00:00.000Z",
});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** As the transport does: waits at the gate, and asks it once more right before the request is written. */
async function passGate(gate?: SendGate) {
  do await gate?.wait();
  while (gate && !gate.isOpen());
}
/** Org 0 takes 100 ms a check, the others 1 ms. */
const orgZeroSlow = (r: CheckedConnection) => sleep(r.instanceUrl === orgUrl(0) ? 100 : 1);

/** `count` connections dealt round-robin over `orgs` Okta orgs. */
const roundRobin = (count: number, orgs: number) => Array.from({ length: count }, (_, i) => record(`c${i}`, i % orgs));

/** A checker of `records` whose store counts what it has read, and a sweep that hands them to one run page by page. */
function rig(records: CheckedConnection[], okta: (r: CheckedConnection, gate?: SendGate) => Promise<void>, readAhead: number) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const tally = { read: 0, recorded: 0, mostHeld: 0, recordedAt: new Map<string, number>() };
  const checker = createHealthChecker({
    store: {
      getManyById: async (ids) => {
        await sleep(1);
        tally.read += ids.length;
        return ids.map(({ id }) => byId.get(id) ?? null);
      },
    },
    okta: {
      async check(r: CheckedConnection, gate?: SendGate) {
        tally.mostHeld = Math.max(tally.mostHeld, tally.read - tally.recorded);
        await okta(r, gate);
        return undefined;
      },
    } as unknown as OktaAccess,
    recorder: {
      async record(r, report) {
        tally.recorded++;
        tally.recordedAt.set(r.id, Date.now());
        return recordEvery(r, report);
      },
    },
    limiter: createOrgLimiter({ concurrency: 2 }),
    readAhead,
  });
  async function sweep() {
    const run = checker.startRun();
    for (let i = 0; i < records.length; i += PAGE) await run.add(records.slice(i, i + PAGE).map((r) => ({ orgId: "org-r", id: r.id, nextCheckAt: "" })));
    return run.finished();
  }
  /** When each of `ids` was recorded, in ms from `since`, earliest first. */
  const recordedAfter = (since: number, ids: string[]) => ids.map((id) => tally.recordedAt.get(id)! - since).sort((x, y) => x - y);
  return { tally, sweep, recordedAfter };
}

describe("a run's read-ahead", () => {
  it("holds at most the read-ahead, a page and the checks in flight read but not yet recorded", async () => {
    const okta = () => sleep(2);
    const bounded = rig(roundRobin(400, 4), okta, 20);
    const outcomes = await bounded.sweep();
    expect(outcomes.filter((o) => o.outcome === "recorded")).toHaveLength(400);
    // read-ahead 20 + one page 10 + 4 orgs x 2 checks in flight
    expect(bounded.tally.mostHeld).toBeLessThanOrEqual(20 + PAGE + 8);
    // The bound is what keeps it there: with a read-ahead of everything, the run holds far more.
    const unbounded = rig(roundRobin(400, 4), okta, 10_000);
    await unbounded.sweep();
    expect(unbounded.tally.mostHeld).toBeGreaterThan(100);
  });

  it("is not stopped by paused orgs' backlogs: the other orgs are checked while they wait out their Retry-After", async () => {
    // Orgs 0 and 1 share the first 30 connections; the first check of each is answered 429, Retry-After 2 s.
    // Each backlog alone is within its share of the read-ahead, together they fill it.
    const pausedFor = 2_000;
    const pausedAt = new Map<string, number>();
    const sentAt = new Map<string, number[]>();
    const okta = async (r: CheckedConnection, gate?: SendGate) => {
      await passGate(gate);
      sentAt.set(r.instanceUrl, [...(sentAt.get(r.instanceUrl) ?? []), Date.now()]);
      if (r.id === "p0" || r.id === "p1") {
        pausedAt.set(r.instanceUrl, Date.now());
        throw upstreamRateLimited("Okta is rate limiting", pausedFor / 1000);
      }
      await sleep(2);
    };
    const paused = roundRobin(30, 2).map((r) => ({ ...r, id: `p${r.id.slice(1)}` }));
    const others = Array.from({ length: 60 }, (_, i) => record(`o${i}`, 2 + (i % 3)));
    const { sweep, recordedAfter } = rig([...paused, ...others], okta, 20);
    const outcomes = await sweep();
    expect(outcomes.filter((o) => o.outcome === "recorded")).toHaveLength(90);
    const firstPause = Math.min(...pausedAt.values());
    expect(recordedAfter(firstPause, others.map((r) => r.id)).at(-1)).toBeLessThan(pausedFor / 2);
    // ... and neither paused org was called inside its window: its second check went out together
    // with the first, every later one after the window.
    for (const org of [orgUrl(0), orgUrl(1)]) {
      expect(sentAt.get(org)).toHaveLength(15);
      expect(sentAt.get(org)!.slice(2).filter((at) => at < pausedAt.get(org)! + pausedFor - 10)).toEqual([]);
    }
  });

  it("holds at most twice its read-ahead, however many connections wait out a Retry-After", async () => {
    // Org 0's 100 connections come first; its first check is answered 429, Retry-After 300 ms.
    const okta = async (r: CheckedConnection, gate?: SendGate) => {
      await passGate(gate);
      if (r.id === "c0") throw upstreamRateLimited("Okta is rate limiting", 0.3);
      await sleep(1);
    };
    const records = [...Array.from({ length: 100 }, (_, i) => record(`c${i}`, 0)), ...Array.from({ length: 20 }, (_, i) => record(`d${i}`, 1))];
    const { tally, sweep } = rig(records, okta, 20);
    const outcomes = await sweep();
    expect(outcomes.filter((o) => o.outcome === "recorded")).toHaveLength(120);
    // twice the read-ahead, a page and the checks in flight
    expect(tally.mostHeld).toBeLessThanOrEqual(2 * 20 + PAGE + 4);
  });

  it("is not stopped by one slow org: the fast orgs' connections are all checked long before the slow org's", async () => {
    // Org 0 takes 100 ms a check, 40 connections at 2 at a time: about 2 s. The others take 1 ms.
    const okta = orgZeroSlow;
    const records = roundRobin(200, 5);
    const { tally, sweep, recordedAfter } = rig(records, okta, 20);
    const started = Date.now();
    await sweep();
    const slow = recordedAfter(started, records.filter((_, i) => i % 5 === 0).map((r) => r.id));
    const fast = recordedAfter(started, records.filter((_, i) => i % 5 !== 0).map((r) => r.id));
    expect(slow).toHaveLength(40);
    // The fast orgs are done before the slow one is a quarter of the way. Were its backlog counted
    // whole, the reading would keep to its pace once the backlog filled the read-ahead.
    expect(fast.at(-1)).toBeLessThan(slow[9]!);
    // And the run never held more than twice its read-ahead, a page and the checks in flight.
    expect(tally.mostHeld).toBeLessThanOrEqual(2 * 20 + PAGE + 10);
  });

  it("is not stopped by a slow org that leads the sweep alone: its backlog counts at most half the read-ahead", async () => {
    // Org 0's 30 connections come first, at 100 ms a check (1.5 s in all); then 60 of three fast orgs.
    const okta = orgZeroSlow;
    const slowOnes = Array.from({ length: 30 }, (_, i) => record(`s${i}`, 0));
    const fastOnes = Array.from({ length: 60 }, (_, i) => record(`f${i}`, 1 + (i % 3)));
    const { sweep, recordedAfter } = rig([...slowOnes, ...fastOnes], okta, 20);
    const started = Date.now();
    await sweep();
    const slow = recordedAfter(started, slowOnes.map((r) => r.id));
    const fast = recordedAfter(started, fastOnes.map((r) => r.id));
    // Were the lone org's backlog counted up to the whole read-ahead, the reading would wait for
    // it to check ten of them (about 500 ms) before it reached the fast orgs.
    expect(fast.at(-1)).toBeLessThan(slow[4]!);
  });
});
