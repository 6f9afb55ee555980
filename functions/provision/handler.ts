import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { createHash } from "node:crypto";
import { IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { ConnectionService } from "../core/connections/service";
import { describeError, type Logger } from "../core/logger";
import { PublishError, type EventPublisher } from "../events/publisher";
import { applyMessage } from "./apply";
import { IDEMPOTENCY_TTL_SECONDS } from "./idempotency";
import { batchLanes } from "./lanes";
import { parseMessageJson, readBody, type MessageOutcome, type ProvisionMessage } from "./messages";

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

/**
 * One message to settle. Powertools hashes `key` (org and requestId: a requestId is the producer's
 * id within its org) and, to tell a resend from another message under the same key, `fingerprint`
 * (a SHA-256 of the message). Neither is, or contains, a secret in the clear.
 */
type Job = {
  key: { orgId: string; requestId: string } | null;
  requestId: string | null;
  orgId: string | null;
  fingerprint: string;
  message?: ProvisionMessage;
  reason?: string;
};

/** What the idempotency store keeps: the outcome and the SQS message that produced it. */
type Settled = MessageOutcome & { settledBy: string; replayed?: true };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** JSON with sorted keys, so the same message hashes the same however its producer ordered it. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : value && typeof value === "object"
      ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
      : JSON.stringify(value);

async function jobOf(record: SQSRecord, json: unknown): Promise<Job> {
  const parsed = await parseMessageJson(json);
  if (parsed.ok) {
    const { orgId, requestId } = parsed.message;
    return { key: { orgId, requestId }, requestId, orgId, fingerprint: sha256(canonical(parsed.message)), message: parsed.message };
  }
  const { requestId, orgId, reason } = parsed;
  return { key: requestId && orgId ? { orgId, requestId } : null, requestId, orgId, fingerprint: sha256(record.body), reason };
}

/**
 * The records an earlier one of the batch must settle before: the same connection (org, project,
 * name), so changes to one name apply in the batch's order, and the same org and requestId, so a
 * duplicate in the batch reports `duplicate` instead of meeting its original in progress. Read from
 * the raw body: a field the schema later refuses only costs some waiting.
 */
function laneKeysOf(json: unknown): string[] {
  if (typeof json !== "object" || json === null) return [];
  const { orgId, requestId, projectId, name } = json as Record<string, unknown>;
  if (typeof orgId !== "string") return [];
  const keys: string[] = [];
  if (typeof requestId === "string") keys.push(JSON.stringify(["request", orgId, requestId]));
  if (typeof name === "string") keys.push(JSON.stringify(["connection", orgId, projectId ?? null, name]));
  return keys;
}

/** `arn:aws:sqs:<region>:<account>:<queue>` → `<queue>`. */
export const queueNameOf = (arn: string | undefined) => (arn ? arn.split(":")[5] || undefined : undefined);

/**
 * The SQS consumer. Each record is settled once per org and `requestId`: the first delivery applies
 * it and Powertools stores the outcome; a later message with that org and requestId answers
 * `duplicate`, or `failed` when its content differs. Bad JSON, schema violations and permanent
 * refusals settle as `failed` (stored, so they are acknowledged for good); transient failures
 * throw, are reported in `batchItemFailures`, and Powertools forgets the attempt so the retry
 * really runs. The outcome event is published after the outcome is stored, so a failed publish
 * retries only the publish: the retry reports the stored outcome (`created`, not `unchanged`).
 */
export function createProvisionHandler(deps: ProvisionHandlerDeps) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "key",
    payloadValidationJmesPath: "fingerprint",
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    responseHook: (stored) => ({ ...(stored as unknown as Settled), replayed: true }),
  });

  /** The idempotent unit: applies the message once per (org, requestId) and records which SQS message did. */
  async function settle(job: Job, record: SQSRecord): Promise<Settled> {
    const outcome: MessageOutcome = job.message
      ? await applyMessage(deps.service, job.message, actorOf(job.message, record))
      : { requestId: job.requestId, outcome: "failed", error: { error: "ValidationFailure", message: job.reason ?? "invalid message" } };
    return { ...outcome, settledBy: record.messageId };
  }

  const settleOnce = makeIdempotent(settle, { persistenceStore: deps.idempotency, config, keyPrefix: "provision", dataIndexArgument: 0 });

  /**
   * A stored outcome met again. The same SQS message (its outcome event failed to publish, or SQS
   * delivered it twice) reports, and announces, the original outcome; another message with the
   * same org and requestId is a `duplicate`.
   */
  function reported(settled: Settled, record: SQSRecord): MessageOutcome {
    const { settledBy, replayed, ...outcome } = settled;
    if (!replayed || settledBy === record.messageId) return outcome;
    return { requestId: outcome.requestId, outcome: "duplicate", original: outcome.outcome };
  }

  /** The outcome, and the id of its `provisioning.*` event: one per settled (org, requestId), else per SQS message. */
  async function outcomeOf(job: Job, record: SQSRecord): Promise<{ outcome: MessageOutcome; eventId: string }> {
    const ownEventId = `message:${record.messageId}`;
    try {
      const outcome = reported(await settleOnce(job, record), record);
      return { outcome, eventId: job.key ? `${job.key.orgId}:${job.key.requestId}` : ownEventId };
    } catch (error) {
      if (!(error instanceof IdempotencyValidationError)) throw error;
      const message = `requestId ${job.requestId} was already used in org ${job.orgId} for a different message; send this change with a new requestId`;
      return { outcome: { requestId: job.requestId, outcome: "failed", error: { error: "ValidationFailure", message } }, eventId: ownEventId };
    }
  }

  /** After the idempotent unit: a failed publish retries the message, whose retry then reports the stored outcome. */
  async function announce(outcome: MessageOutcome, eventId: string, job: Job) {
    if (!deps.publisher || outcome.outcome === "duplicate") return;
    const { message } = job;
    const about = message ? { type: message.type, orgId: message.orgId, projectId: message.projectId ?? null, name: message.name } : {};
    const detailType = outcome.outcome === "failed" ? "provisioning.failed" : "provisioning.succeeded";
    const { failed } = await deps.publisher.publish([{ detailType, detail: { eventId, ...outcome, ...about }, time: new Date() }]);
    if (failed.length > 0) throw new PublishError(failed.length);
  }

  async function handleRecord(record: SQSRecord, json: unknown): Promise<MessageOutcome> {
    const job = await jobOf(record, json);
    let outcome: MessageOutcome;
    try {
      // A job without a key (no usable org or requestId) runs without a record: it cannot be a duplicate.
      const settled = await outcomeOf(job, record);
      outcome = settled.outcome;
      await announce(outcome, settled.eventId, job);
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
    // Records about different connections settle at once (their DynamoDB, KMS and Okta calls
    // overlap); records about one connection, or with one org and requestId, in the batch's order.
    const bodies = new Map(event.Records.map((record) => [record, readBody(record.body)]));
    const inTurn = batchLanes(event.Records, (record) => laneKeysOf(bodies.get(record)));
    const handle = (record: SQSRecord) => inTurn(record, () => handleRecord(record, bodies.has(record) ? bodies.get(record) : readBody(record.body)));
    // A BatchProcessor keeps per-batch state: a fresh one per invocation.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, handle, processor, { context, processInParallel: true, throwOnFullBatchFailure: false });
  };
}

/** The audit actor: the producer (`source`, else the queue's name) and the SQS sender that sent it. */
function actorOf(message: ProvisionMessage, record: SQSRecord) {
  const id = message.source ?? queueNameOf(record.eventSourceARN) ?? "local-cli";
  const senderId = record.attributes?.SenderId;
  return senderId ? { id, senderId } : { id };
}
