import { checkConnectionReport } from "../connections/check";
import type { CheckedConnection } from "../connections/model";
import type { ConnectionStore, DueConnection } from "../connections/store";
import { describeError, type Logger } from "../logger";
import type { OktaAccess } from "../okta/access";
import type { OrgLimiter } from "./limiter";
import { createOrgQueues } from "./org-queues";
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
  /** Connections a run reads ahead of its checks (default READ_AHEAD). */
  readAhead?: number;
  /** The sweep's look-ahead: a connection due within it is due now. */
  lookaheadSeconds?: number;
}

export interface RunOptions {
  /** How long a throttled org is waited for (default: as long as it takes). */
  maxWaitMs?: number;
  /** Check connections that are not due (yet) too. */
  force?: boolean;
}

/** The org's Retry-After window opens later than the check may wait: the check is deferred. */
class WindowClosed extends Error {}

/** Connections read by one batch read: BatchGetItem's most. */
const READ_BATCH = 100;

/**
 * Connections a run holds read but not yet checked before it takes the next page: enough for
 * every org to have the next checks ready, few enough that a sweep's records do not all wait in
 * memory at once (holding 10,000 read records cost the sweep a third more garbage collection).
 */
const READ_AHEAD = 10 * READ_BATCH;

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

  /**
   * One run of checks that takes due connections as they come (a sweep's pages): one set of org
   * queues for the whole run, so what waits for a slot is a record in its org's list. `add` waits
   * while the run already holds its read-ahead of records not yet checked.
   */
  function startRun(opts: RunOptions = {}) {
    const maxWaitMs = opts.maxWaitMs ?? Number.POSITIVE_INFINITY;
    const dueBy = new Date(clock().getTime() + (deps.lookaheadSeconds ?? 0) * 1000).toISOString();
    const budget = deps.readAhead ?? READ_AHEAD;
    const outcomes = new Map<string, CheckOutcome>();
    const taken: DueConnection[] = [];
    const reads: Promise<unknown>[] = [];
    let reading = 0;
    const roomWaiters: (() => void)[] = [];
    const isOpen = (org: string) => deps.limiter.waitFor(org) === 0;
    /**
     * Room to read the next page: the connections under read and those waiting that are work
     * for now stay within the read-ahead; and however slow or paused the orgs, the run never
     * holds more than twice it.
     */
    const hasRoom = () => {
      const { counted, held } = orgs.waiting(budget, isOpen);
      return reading + counted < budget && reading + held < 2 * budget;
    };
    const onRoom = () => {
      if (roomWaiters.length > 0 && hasRoom()) roomWaiters.splice(0).forEach((wake) => wake());
    };
    const check = async (record: CheckedConnection) => void outcomes.set(record.id, await checkRecord(record, maxWaitMs).catch(failedAs(record.id)));
    const orgs = createOrgQueues(check, deps.limiter.concurrency, onRoom);
    /** A read connection goes to its org's queue at once: checks start while later batches are still read. */
    const take = (d: DueConnection, record: CheckedConnection | null) => {
      if (!record) return void outcomes.set(d.id, { connectionId: d.id, outcome: "gone" });
      if (!opts.force && record.nextCheckAt && record.nextCheckAt > dueBy) return void outcomes.set(d.id, { connectionId: d.id, outcome: "not-due" });
      orgs.push(record);
    };
    return {
      async add(due: DueConnection[]) {
        while (!hasRoom()) await new Promise<void>((wake) => roomWaiters.push(wake));
        taken.push(...due);
        reading += due.length;
        // Read in batches: a failed batch read fails its connections only.
        const batches = Array.from({ length: Math.ceil(due.length / READ_BATCH) }, (_, b) => due.slice(b * READ_BATCH, (b + 1) * READ_BATCH));
        const read = mapLimit(batches, deps.readConcurrency ?? 4, async (batch) => {
          const records = await deps.store.getManyById(batch).catch((error) => void batch.forEach((d) => outcomes.set(d.id, failedAs(d.id)(error))));
          records?.forEach((record, i) => take(batch[i]!, record));
          reading -= batch.length;
          onRoom();
        });
        reads.push(read);
      },
      /** Every added connection's outcome, in the order added, once all are checked (never rejects). */
      async finished(): Promise<(CheckOutcome & { orgId: string })[]> {
        await Promise.all(reads);
        await orgs.drained();
        return taken.map((d) => ({ orgId: d.orgId, ...outcomes.get(d.id)! }));
      },
    };
  }

  return {
    startRun,
    /**
     * Checks every connection of `due` that is still due (a duplicate message, or one checked by
     * `validate` meanwhile, is skipped; `force` checks them anyway). `maxWaitMs` bounds how long a
     * throttled org is waited for.
     */
    async checkAll(due: DueConnection[], opts: RunOptions = {}): Promise<(CheckOutcome & { orgId: string })[]> {
      const run = startRun(opts);
      await run.add(due);
      return run.finished();
    },
  };
}

export type HealthChecker = ReturnType<typeof createHealthChecker>;
