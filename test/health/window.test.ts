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

/** A checker of connections "a" and "b" of one org, with `okta` and a recorder that records every check. */
function checkerOf(okta: OktaAccess) {
  const records = new Map(["a", "b"].map((id) => [id, record(id)]));
  return createHealthChecker({
    store: { getManyById: async (ids) => ids.map(({ id }) => records.get(id) ?? null) },
    okta,
    recorder: { record: async (_r, report) => ({ outcome: "recorded", health: { status: "healthy", checkedAt: report.result.checkedAt, lastHealthyAt: null, consecutiveFailures: 0, error: null }, nextCheckAt: "2100-01-01T00:00:00.000Z" }) },
    limiter: createOrgLimiter({ concurrency: 2 }),
  });
}

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
