import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { inject } from "vitest";
import { awsClientConfig } from "../../functions/core/aws-client-config";
import { wireConnectionService } from "../../functions/core/compose";
import type { EventEntry, EventPublisher } from "../../functions/events/publisher";
import { createStreamHandler } from "../../functions/events/stream-handler";
import { lambdaContext as localLambdaContext, sqsRecord as localSqsRecord } from "../../functions/local/sqs-delivery";
import { createStreamReader } from "../../functions/local/stream-reader";
import { createProvisionHandler, type ProvisionHandlerDeps } from "../../functions/provision/handler";
import { createIdempotencyStore, ensureIdempotencyTable } from "../../functions/provision/idempotency";
import type { MessageOutcome } from "../../functions/provision/messages";
import { startHarness } from "../support/harness";

export const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:provisioning-queue";

/** A publisher that keeps what it was given; `failNext(n)` refuses the next n entries. */
export function memoryPublisher() {
  const entries: EventEntry[] = [];
  let refuse = 0;
  const publisher: EventPublisher & { entries: EventEntry[]; failNext(n: number): void } = {
    entries,
    failNext: (n) => void (refuse = n),
    async publish(batch) {
      const failed = batch.filter(() => refuse > 0 && refuse-- > 0);
      entries.push(...batch.filter((e) => !failed.includes(e)));
      return { failed };
    },
  };
  return publisher;
}

/** An SQS record as Lambda delivers it (hand-built: no SQS emulator runs on Node 20). */
export const sqsRecord = (body: unknown, opts: { messageId?: string; receiveCount?: number; senderId?: string } = {}): SQSRecord =>
  localSqsRecord(typeof body === "string" ? body : JSON.stringify(body), {
    messageId: opts.messageId ?? randomUUID(),
    receiveCount: opts.receiveCount ?? 1,
    queueArn: QUEUE_ARN,
    senderId: opts.senderId,
  });

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

export const lambdaContext = localLambdaContext("provision", 30_000);

/**
 * The harness (DynamoDB Local table, local KMS, fake Okta, API) plus the provisioning handler on
 * the same table, its own idempotency table, and the table's real stream read into change events.
 */
export async function startProvisionRig(opts: { allowOkta?: string[] } = {}) {
  const h = await startHarness(opts);
  const idempotencyTable = `idem-${randomUUID()}`;
  await ensureIdempotencyTable(h.dynamodb, idempotencyTable);
  const service = wireConnectionService({
    dynamo: h.dynamodb,
    tableName: h.tableName,
    kms: h.kmsClient,
    kmsKeyId: h.localKms.keyId,
    cursorSecret: "test-cursor-secret-0123456789",
    credentialsHashKey: h.credentialsHashKey,
    oktaInsecureAllowlist: [h.okta.hostPort, ...(opts.allowOkta ?? [])],
    oktaTimeoutMs: 1_000,
  });
  const outcomesPublisher = memoryPublisher();
  const changes = memoryPublisher();
  const dir = mkdtempSync(join(tmpdir(), "oac-stream-"));
  const streams = new DynamoDBStreamsClient(awsClientConfig({ endpoint: inject("dynamoEndpoint") }));
  const reader = createStreamReader({
    dynamo: h.dynamodb,
    streams,
    tableName: h.tableName,
    handler: createStreamHandler({ publisher: changes }),
    checkpointFile: join(dir, "checkpoint.json"),
  });

  /**
   * One simulated invocation: a fresh handler (and so a fresh BatchProcessor) per call, as on Lambda.
   * `outcomes` lists the settled records in batch order (distinct names settle concurrently).
   */
  function handler(extra: Partial<ProvisionHandlerDeps> = {}) {
    const outcomes: MessageOutcome[] = [];
    const settled = new Map<SQSRecord, MessageOutcome>();
    const handle = createProvisionHandler({
      service,
      idempotency: createIdempotencyStore(h.dynamodb, idempotencyTable),
      publisher: outcomesPublisher,
      onOutcome: (o, record) => void settled.set(record, o),
      ...extra,
    });
    const invoke = async (records: SQSRecord[]) => {
      const response = await handle(sqsEvent(records), lambdaContext);
      outcomes.push(...records.flatMap((r) => (settled.has(r) ? [settled.get(r)!] : [])));
      return response;
    };
    return { outcomes, invoke };
  }

  /** Delivers records as one batch; returns the outcomes and the ids SQS would redeliver. */
  async function deliver(records: SQSRecord[]) {
    const { outcomes, invoke } = handler();
    const response = await invoke(records);
    return { outcomes, failures: response.batchItemFailures.map((f) => f.itemIdentifier) };
  }

  /** Every change event of everything committed so far (read from the real stream). */
  async function changeEvents() {
    await reader.drain();
    return changes.entries;
  }

  async function items(type: string) {
    return (await h.scan()).map((i) => unmarshall(i)).filter((i) => i.type === type);
  }

  async function audit(orgId: string, projectId: string | null) {
    const pk = `ORG#${orgId}#AUDIT#${projectId ?? "!"}`;
    const out = await h.dynamodb.send(
      new QueryCommand({ TableName: h.tableName, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": { S: pk } } }),
    );
    return (out.Items ?? []).map((i) => unmarshall(i));
  }

  return {
    h,
    service,
    handler,
    deliver,
    outcomesPublisher,
    changeEvents,
    items,
    audit,
    async close() {
      await reader.stop();
      streams.destroy();
      rmSync(dir, { recursive: true, force: true });
      await h.close();
    },
  };
}

export type ProvisionRig = Awaited<ReturnType<typeof startProvisionRig>>;

let seq = 0;
/** A valid upsert message; override any field. */
export function upsert(rig: ProvisionRig, fields: Record<string, unknown> = {}) {
  return {
    specVersion: 1,
    requestId: `req-${++seq}-${randomUUID()}`,
    type: "app-connection.upsert",
    orgId: "org-p",
    projectId: "proj-p",
    name: "okta-main",
    credentials: { instanceUrl: rig.h.okta.origin, apiToken: rig.h.validOktaToken() },
    ...fields,
  };
}

export const remove = (fields: Record<string, unknown> = {}) => ({
  specVersion: 1,
  requestId: `req-${++seq}-${randomUUID()}`,
  type: "app-connection.delete",
  orgId: "org-p",
  projectId: "proj-p",
  name: "okta-main",
  ...fields,
});
