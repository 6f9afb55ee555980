import { checkConnectionReport } from "../connections/check";
import type { ConnectionRecord } from "../connections/model";
import type { ConnectionStore, DueConnection } from "../connections/store";
import { describeError, type Logger } from "../logger";
import type { OktaAccess } from "../okta/access";
import type { OrgLimiter } from "./limiter";
import type { HealthRecorder } from "./recorder";

/** What became of one due connection. `deferred`: its Okta org is throttled past what the caller may wait. */
export type CheckOutcome =
  | { connectionId: string; outcome: "recorded"; status: string; error?: string }
  | { connectionId: string; outcome: "superseded" | "gone" | "not-due" }
  | { connectionId: string; outcome: "deferred"; retryInMs: number }
  /** The service itself failed (database, KMS): retried, not held against the connection. */
  | { connectionId: string; outcome: "failed" };

export interface HealthCheckerDeps {
  store: Pick<ConnectionStore, "getManyById">;
  okta: OktaAccess;
  recorder: HealthRecorder;
  limiter: OrgLimiter;
  clock?: () => Date;
  logger?: Logger;
  /** Batch reads (of up to READ_BATCH connections each) in flight at once. */
  readConcurrency?: number;
  /** The sweep's look-ahead: a connection due within it is due now. */
  lookaheadSeconds?: number;
}

/** Connections read by one batch read: BatchGetItem's most. */
const READ_BATCH = 100;

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Checks due connections against Okta and records their health. The batch is grouped by Okta
 * org, and each org gets its own workers, as many as the limiter lets be in flight: a slow or
 * throttled org holds back only its own connections.
 */
export function createHealthChecker(deps: HealthCheckerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const now = () => clock().toISOString();

  /** A failure of one item stays that item's: the others of the batch go on. */
  const failedAs = (connectionId: string) => (error: unknown): CheckOutcome => {
    deps.logger?.error("health check failed", { connectionId, ...describeError(error) });
    return { connectionId, outcome: "failed" };
  };

  async function checkRecord(record: ConnectionRecord, maxWaitMs: number): Promise<CheckOutcome> {
    const connectionId = record.id;
    const org = record.instanceUrl;
    if (!(await deps.limiter.acquire(org, maxWaitMs))) return { connectionId, outcome: "deferred", retryInMs: deps.limiter.waitFor(org) };
    let report;
    try {
      report = await checkConnectionReport(deps.okta, record, now);
      // Before the slot is released, so the next check of this org already waits.
      if (report.retryAfterSeconds !== undefined) deps.limiter.pauseFor(org, report.retryAfterSeconds * 1000);
      if (report.rateLimit) deps.limiter.observe(org, report.rateLimit);
    } finally {
      deps.limiter.release(org);
    }
    const written = await deps.recorder.record(record, report);
    if (written.outcome === "superseded") return { connectionId, outcome: "superseded" };
    const error = written.health.error?.error;
    // One line per check: the unhealthy-connections metric is made from these (infra/health.ts).
    deps.logger?.info("health check", {
      connectionId,
      orgId: record.orgId,
      projectId: record.projectId,
      status: written.health.status,
      unhealthy: written.health.status === "unhealthy" ? 1 : 0,
      ...(error ? { error } : {}),
      nextCheckAt: written.nextCheckAt,
    });
    return { connectionId, outcome: "recorded", status: written.health.status, ...(error ? { error } : {}) };
  }

  return {
    /**
     * Checks every connection of `due` that is still due (a duplicate message, or one checked by
     * `validate` meanwhile, is skipped; `force` checks them anyway). `maxWaitMs` bounds how long a
     * throttled org is waited for.
     */
    async checkAll(due: DueConnection[], opts: { maxWaitMs?: number; force?: boolean } = {}): Promise<(CheckOutcome & { orgId: string })[]> {
      const maxWaitMs = opts.maxWaitMs ?? Number.POSITIVE_INFINITY;
      const dueBy = new Date(clock().getTime() + (deps.lookaheadSeconds ?? 0) * 1000).toISOString();
      const outcomes = new Map<string, CheckOutcome>();
      // Read in batches: a failed batch read fails its connections only.
      const batches = Array.from({ length: Math.ceil(due.length / READ_BATCH) }, (_, b) => due.slice(b * READ_BATCH, (b + 1) * READ_BATCH));
      const read = await mapLimit(batches, deps.readConcurrency ?? 4, (batch) =>
        deps.store.getManyById(batch).catch((error) => batch.map((d) => void outcomes.set(d.id, failedAs(d.id)(error)))),
      );
      const loaded = read.flat();
      const byOrg = new Map<string, ConnectionRecord[]>();
      loaded.forEach((record, i) => {
        const id = due[i]!.id;
        if (outcomes.has(id)) return;
        if (!record) return void outcomes.set(id, { connectionId: id, outcome: "gone" });
        if (!opts.force && record.nextCheckAt && record.nextCheckAt > dueBy) return void outcomes.set(id, { connectionId: id, outcome: "not-due" });
        byOrg.set(record.instanceUrl, [...(byOrg.get(record.instanceUrl) ?? []), record]);
      });
      await Promise.all(
        [...byOrg.values()].map(async (records) => {
          const results = await mapLimit(records, deps.limiter.concurrency, (record) => checkRecord(record, maxWaitMs).catch(failedAs(record.id)));
          for (const result of results) outcomes.set(result.connectionId, result);
        }),
      );
      return due.map((d) => ({ orgId: d.orgId, ...outcomes.get(d.id)! }));
    },
  };
}

export type HealthChecker = ReturnType<typeof createHealthChecker>;
