import { checkConnectionReport } from "../connections/check";
import type { CheckedConnection } from "../connections/model";
import type { ConnectionStore, DueConnection } from "../connections/store";
import { describeError, type Logger } from "../logger";
import type { OktaAccess } from "../okta/access";
import type { OrgLimiter } from "./limiter";
import type { HealthRecorder } from "./recorder";
import { isoTime } from "../iso-time";

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

/** The org's Retry-After window opens later than the check may wait: the check is deferred. */
class WindowClosed extends Error {}

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
 * One queue of connections per Okta org (`instanceUrl`), each worked by at most `concurrency`
 * workers, which start as connections arrive: a slow or throttled org holds back only its own.
 */
function createOrgQueues(check: (record: CheckedConnection) => Promise<CheckOutcome>, concurrency: number, outcomes: Map<string, CheckOutcome>) {
  const queues = new Map<string, { waiting: CheckedConnection[]; workers: number }>();
  const running = new Set<Promise<void>>();
  const work = async (queue: { waiting: CheckedConnection[]; workers: number }) => {
    for (let record = queue.waiting.shift(); record; record = queue.waiting.shift()) outcomes.set(record.id, await check(record));
    queue.workers--;
  };
  return {
    push(record: CheckedConnection) {
      let queue = queues.get(record.instanceUrl);
      if (!queue) queues.set(record.instanceUrl, (queue = { waiting: [], workers: 0 }));
      queue.waiting.push(record);
      if (queue.workers >= concurrency) return;
      queue.workers++;
      const worker = work(queue).finally(() => running.delete(worker));
      running.add(worker);
    },
    /** Resolves when every pushed connection is checked. */
    async drained() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

/**
 * Checks due connections against Okta and records their health. They are read in batches and
 * queued by Okta org as they arrive; each org gets its own workers, as many as the limiter lets be
 * in flight: a slow or throttled org holds back only its own connections.
 */
export function createHealthChecker(deps: HealthCheckerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const now = () => isoTime(clock().getTime());

  /** A failure of one item stays that item's: the others of the batch go on. */
  const failedAs = (connectionId: string) => (error: unknown): CheckOutcome => {
    deps.logger?.error("health check failed", { connectionId, ...describeError(error) });
    return { connectionId, outcome: "failed" };
  };

  /**
   * One check, from taking a slot of its org to its recorded health. The slot is held until the
   * health is written: the org's checks in flight are whole checks, so the work one checker has
   * under way (opened secrets, connections, pending writes) stays bounded by orgs × concurrency
   * even when the database is slower than Okta.
   */
  async function checkRecord(record: CheckedConnection, maxWaitMs: number): Promise<CheckOutcome> {
    const org = record.instanceUrl;
    if (!(await deps.limiter.acquire(org, maxWaitMs))) return { connectionId: record.id, outcome: "deferred", retryInMs: deps.limiter.waitFor(org) };
    try {
      return await checkHeld(record, maxWaitMs);
    } finally {
      deps.limiter.release(org);
    }
  }

  async function checkHeld(record: CheckedConnection, maxWaitMs: number): Promise<CheckOutcome> {
    const connectionId = record.id;
    const org = record.instanceUrl;
    let report;
    try {
      // A 429 of another check may close the org's window while this one opens its secret or
      // connects: the gate is asked again right before the request is written.
      report = await checkConnectionReport(deps.okta, record, now, {
        wait: async () => {
          if (!(await deps.limiter.awaitWindow(org, maxWaitMs))) throw new WindowClosed();
        },
        isOpen: () => deps.limiter.waitFor(org) === 0,
      });
    } catch (error) {
      if (error instanceof WindowClosed) return { connectionId, outcome: "deferred", retryInMs: deps.limiter.waitFor(org) };
      throw error;
    }
    // At once, so the org's next check already waits.
    if (report.retryAfterSeconds !== undefined) deps.limiter.pauseFor(org, report.retryAfterSeconds * 1000);
    if (report.rateLimit) deps.limiter.observe(org, report.rateLimit);
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
      const orgs = createOrgQueues((record) => checkRecord(record, maxWaitMs).catch(failedAs(record.id)), deps.limiter.concurrency, outcomes);
      /** A read connection goes to its org's queue at once: checks start while later batches are still read. */
      const take = (d: DueConnection, record: CheckedConnection | null) => {
        if (!record) return void outcomes.set(d.id, { connectionId: d.id, outcome: "gone" });
        if (!opts.force && record.nextCheckAt && record.nextCheckAt > dueBy) return void outcomes.set(d.id, { connectionId: d.id, outcome: "not-due" });
        orgs.push(record);
      };
      // Read in batches: a failed batch read fails its connections only.
      const batches = Array.from({ length: Math.ceil(due.length / READ_BATCH) }, (_, b) => due.slice(b * READ_BATCH, (b + 1) * READ_BATCH));
      await mapLimit(batches, deps.readConcurrency ?? 4, async (batch) => {
        const records = await deps.store.getManyById(batch).catch((error) => void batch.forEach((d) => outcomes.set(d.id, failedAs(d.id)(error))));
        records?.forEach((record, i) => take(batch[i]!, record));
      });
      await orgs.drained();
      return due.map((d) => ({ orgId: d.orgId, ...outcomes.get(d.id)! }));
    },
  };
}

export type HealthChecker = ReturnType<typeof createHealthChecker>;
