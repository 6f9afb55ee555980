import { describe, expect, it } from "vitest";
import type { ConnectionRecord } from "../../functions/core/connections/model";
import { upstreamRateLimited } from "../../functions/core/errors";
import { createHealthChecker } from "../../functions/core/health/checker";
import { createOrgLimiter } from "../../functions/core/health/limiter";
import type { OktaAccess } from "../../functions/core/okta/access";
import type { SendGate } from "../../functions/core/okta/transport";

/**
 * A check that was already opening its secret when a 429 closed its org's window must not send
 * inside that window (section 8). Opening a secret is a KMS call; here it takes 200 ms, so the
 * second check of the org holds its slot, still opening, when the first one's 429 comes back.
 */
const ORG_URL = "https://slow-kms.okta.com";
const record = (id: string): ConnectionRecord =>
  ({ id, orgId: "org-w", projectId: null, name: id, instanceUrl: ORG_URL, credentialsHash: "h", health: { status: "healthy", checkedAt: null, lastHealthyAt: null, consecutiveFailures: 0, error: null } }) as unknown as ConnectionRecord;

type Recorder = Parameters<typeof createHealthChecker>[0]["recorder"];
const recordEvery: Recorder["record"] = async (_r, report) => ({
  outcome: "recorded",
  health: { status: "healthy", checkedAt: report.result.checkedAt, lastHealthyAt: null, consecutiveFailures: 0, error: null },
  nextCheckAt: "2100-01-01T00:00:00.000Z",
});

/** A checker of connections `ids` (default "a" and "b") of one org, with `okta` and a recorder that records every check. */
function checkerOf(okta: OktaAccess, ids = ["a", "b"], record_: Recorder["record"] = recordEvery) {
  const records = new Map(ids.map((id) => [id, record(id)]));
  return createHealthChecker({
    store: { getManyById: async (ids) => ids.map(({ id }) => records.get(id) ?? null) },
    okta,
    recorder: { record: record_ },
    limiter: createOrgLimiter({ concurrency: 2 }),
  });
}
const dueOf = (ids: string[]) => ids.map((id) => ({ orgId: "org-w", id, nextCheckAt: "" }));

describe("a check that holds a slot while a 429 arrives", () => {
  it("waits at the door until Retry-After has passed", async () => {
    const sentAt: number[] = [];
    let refusedAt = 0;
    const okta = {
      async check(r: ConnectionRecord, gate?: SendGate) {
        if (r.id === "b") await new Promise((resolve) => setTimeout(resolve, 200)); // its secret is being opened
        await gate?.wait();
        sentAt.push(Date.now());
        if (r.id === "a") {
          refusedAt = Date.now();
          throw upstreamRateLimited("Okta is rate limiting", 1);
        }
        return undefined;
      },
    } as unknown as OktaAccess;
    const checker = checkerOf(okta);
    const outcomes = await checker.checkAll([{ orgId: "org-w", id: "a", nextCheckAt: "" }, { orgId: "org-w", id: "b", nextCheckAt: "" }]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["recorded", "recorded"]);
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]! - refusedAt).toBeGreaterThanOrEqual(990);
  });

  it("is deferred when the window opens later than the batch may wait", async () => {
    let sent = 0;
    const okta = {
      async check(r: ConnectionRecord, gate?: SendGate) {
        if (r.id === "b") await new Promise((resolve) => setTimeout(resolve, 200));
        await gate?.wait();
        sent++;
        if (r.id === "a") throw upstreamRateLimited("Okta is rate limiting", 30);
        return undefined;
      },
    } as unknown as OktaAccess;
    const checker = checkerOf(okta);
    const outcomes = await checker.checkAll([{ orgId: "org-w", id: "a", nextCheckAt: "" }, { orgId: "org-w", id: "b", nextCheckAt: "" }], { maxWaitMs: 1_000 });
    expect(outcomes.map((o) => o.outcome)).toEqual(["recorded", "deferred"]);
    expect(sent).toBe(1);
  });
});

describe("a check's slot of its org", () => {
  const ids = ["a", "b", "c", "d", "e", "f"];

  it("is held until its health is written: a database slower than Okta never has more than HEALTH_CHECK_CONCURRENCY checks of one org under way", async () => {
    let underWay = 0;
    let most = 0;
    const okta = {
      async check() {
        most = Math.max(most, ++underWay);
        return undefined;
      },
    } as unknown as OktaAccess;
    const slowWrite: Recorder["record"] = async (r, report) => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      underWay--;
      return recordEvery(r, report);
    };
    // One batch per connection, all at once (the in-process sweep checks each page as it is read):
    // only the one limiter stands between them.
    const checker = checkerOf(okta, ids, slowWrite);
    const outcomes = (await Promise.all(ids.map((id) => checker.checkAll(dueOf([id]))))).flat();
    expect(outcomes.map((o) => o.outcome)).toEqual(ids.map(() => "recorded"));
    expect(most).toBe(2);
  });

  it("is given back when the write fails: the org's other checks go on", async () => {
    const okta = { check: async () => undefined } as unknown as OktaAccess;
    const failsForAB: Recorder["record"] = async (r, report) => {
      if (r.id === "a" || r.id === "b") throw new Error("database unavailable");
      return recordEvery(r, report);
    };
    const checker = checkerOf(okta, ids, failsForAB);
    const outcomes = (await Promise.all(ids.map((id) => checker.checkAll(dueOf([id]))))).flat();
    expect(outcomes.map((o) => o.outcome)).toEqual(["failed", "failed", "recorded", "recorded", "recorded", "recorded"]);
  });
});
