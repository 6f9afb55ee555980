import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { ConnectionService } from "../core/connections/service";
import { describeError, type Logger } from "../core/logger";
import { PublishError, type EventPublisher } from "../events/publisher";
import { applyMessage } from "./apply";
import { IDEMPOTENCY_TTL_SECONDS } from "./idempotency";
import { parseMessage, type MessageOutcome, type ProvisionMessage } from "./messages";

export interface ProvisionHandlerDeps {
  service: Pick<ConnectionService, "upsertByName" | "removeByName">;
  /** Powertools persistence (its own DynamoDB table): remembers each requestId's outcome. */
  idempotency: BasePersistenceLayer;
  /** Where `provisioning.succeeded` / `.failed` go; none: outcomes are only logged. */
  publisher?: EventPublisher;
  logger?: Logger;
  /** Every settled outcome (the local CLI prints them). A message that will be retried is not settled. */
  onOutcome?: (outcome: MessageOutcome, record: SQSRecord) => void;
  /** A message left for the queue to retry (transient failure). */
  onRetry?: (info: { requestId: string | null; error: { error: string; message: string } }, record: SQSRecord) => void;
}

/** One message to settle: the key Powertools hashes is `requestId`, nothing else (no secret is stored). */
type Job = { requestId: string | null; message?: ProvisionMessage; reason?: string };

/** `arn:aws:sqs:<region>:<account>:<queue>` → `<queue>`. */
export const queueNameOf = (arn: string | undefined) => (arn ? arn.split(":")[5] || undefined : undefined);

/**
 * The SQS consumer. Each record is settled once per `requestId`: the first delivery applies it and
 * Powertools stores the outcome; any later delivery of that requestId answers `duplicate`. Bad
 * JSON, schema violations and permanent refusals settle as `failed` (stored, so they are
 * acknowledged for good); transient failures throw, are reported in `batchItemFailures`, and
 * Powertools forgets the attempt so the retry really runs.
 */
export function createProvisionHandler(deps: ProvisionHandlerDeps) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "requestId",
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    responseHook: (stored) => ({ requestId: (stored as unknown as MessageOutcome).requestId, outcome: "duplicate", original: (stored as unknown as MessageOutcome).outcome }),
  });

  async function settle(job: Job, record: SQSRecord): Promise<MessageOutcome> {
    const outcome: MessageOutcome = job.message
      ? await applyMessage(deps.service, job.message, job.message.source ?? queueNameOf(record.eventSourceARN) ?? "local-cli")
      : { requestId: job.requestId, outcome: "failed", error: { error: "ValidationFailure", message: job.reason ?? "invalid message" } };
    await announce(outcome, job.message, record);
    return outcome;
  }

  /** Inside the idempotent unit: if publishing fails, the attempt is forgotten and retried whole. */
  async function announce(outcome: MessageOutcome, message: ProvisionMessage | undefined, record: SQSRecord) {
    if (!deps.publisher) return;
    const about = message ? { type: message.type, orgId: message.orgId, projectId: message.projectId ?? null, name: message.name } : {};
    const detail = { eventId: outcome.requestId ?? `message:${record.messageId}`, ...outcome, ...about };
    const detailType = outcome.outcome === "failed" ? "provisioning.failed" : "provisioning.succeeded";
    const { failed } = await deps.publisher.publish([{ detailType, detail, time: new Date() }]);
    if (failed.length > 0) throw new PublishError(failed.length);
  }

  const settleOnce = makeIdempotent(settle, { persistenceStore: deps.idempotency, config, keyPrefix: "provision", dataIndexArgument: 0 });

  async function handleRecord(record: SQSRecord): Promise<MessageOutcome> {
    const parsed = await parseMessage(record.body);
    const job: Job = parsed.ok ? { requestId: parsed.message.requestId, message: parsed.message } : { requestId: parsed.requestId, reason: parsed.reason };
    let outcome: MessageOutcome;
    try {
      // A null requestId has no key: Powertools runs it without a record (it cannot be a duplicate).
      outcome = await settleOnce(job, record);
    } catch (error) {
      const { errorName, errorMessage } = describeError(error) as { errorName?: string; errorMessage?: string };
      const info = { requestId: job.requestId, error: { error: errorName ?? "Error", message: errorMessage ?? String(error) } };
      deps.logger?.warn("provisioning message left for retry", { messageId: record.messageId, ...info });
      deps.onRetry?.(info, record);
      throw error;
    }
    deps.logger?.info("provisioning message settled", { messageId: record.messageId, ...outcome });
    deps.onOutcome?.(outcome, record);
    return outcome;
  }

  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) config.registerLambdaContext(context);
    // A BatchProcessor keeps per-batch state: a fresh one per invocation. In order, one at a time,
    // so messages of one batch about one name apply in the order the batch holds them.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, handleRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  };
}
