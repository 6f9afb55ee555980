import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { DueConnection } from "../core/connections/store";
import type { HealthRuntime } from "../core/health/runtime";
import { describeError, type Logger } from "../core/logger";
import type { CheckQueue } from "./queue";

/** The schedule's target: one sweep of the due index into the queue. */
export function createSweepHandler(deps: { health: Pick<HealthRuntime, "sweep">; queue: CheckQueue; logger?: Logger }) {
  return async () => {
    const { due } = await deps.health.sweep((batch) => deps.queue.send(batch.map((d) => JSON.stringify(d))));
    deps.logger?.info("health sweep", { queued: due });
    return { queued: due };
  };
}

/** Time kept back from the invocation's deadline for recording the last checks. */
const MARGIN_MS = 10_000;

function dueOf(body: string): DueConnection | null {
  try {
    const d = JSON.parse(body) as Partial<DueConnection>;
    return typeof d.orgId === "string" && typeof d.id === "string" && typeof d.nextCheckAt === "string" ? { orgId: d.orgId, id: d.id, nextCheckAt: d.nextCheckAt } : null;
  } catch {
    return null;
  }
}

/**
 * The queue's consumer (partial batch responses on): the batch's checks go through the process's
 * per-org limiter. Only a failure of the service itself (database, KMS) is reported, so SQS
 * retries it and, in the end, parks it in the dead-letter queue. A check whose Okta org is inside
 * a `Retry-After` window longer than this invocation may wait is acknowledged unchecked: the
 * connection is still due in the index (nothing was recorded), so the next sweep queues it again
 * once the window has passed, without piling receive counts onto the message.
 */
export function createCheckHandler(deps: { health: Pick<HealthRuntime, "checker">; logger?: Logger }) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const records = event.Records.map((record) => ({ record, due: dueOf(record.body) }));
    for (const { record, due } of records) if (!due) deps.logger?.warn("health message ignored: not a due connection", { messageId: record.messageId });
    const valid = records.filter((r): r is { record: (typeof r)["record"]; due: DueConnection } => r.due !== null);
    const maxWaitMs = Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS);
    let outcomes;
    try {
      outcomes = await deps.health.checker.checkAll(valid.map((r) => r.due), { maxWaitMs });
    } catch (error) {
      deps.logger?.error("health checks failed", describeError(error));
      return { batchItemFailures: valid.map((r) => ({ itemIdentifier: r.record.messageId })) };
    }
    const deferred = outcomes.filter((o) => o.outcome === "deferred").length;
    if (deferred > 0) deps.logger?.info("health checks deferred to the next sweep (Okta org throttled)", { deferred });
    return {
      batchItemFailures: valid.filter((_, i) => outcomes[i]!.outcome === "failed").map((r) => ({ itemIdentifier: r.record.messageId })),
    };
  };
}
