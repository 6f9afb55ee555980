import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { describeError, type Logger } from "../core/logger";
import { eventsOf } from "./change-events";
import type { EventEntry, EventPublisher } from "./publisher";

/**
 * DynamoDB stream → change events. Publishing from the stream means an event exists exactly when
 * a change committed. Records are published in order; if some still fail after the publisher's
 * retries, the earliest failed record is reported, so Lambda re-delivers from there (streams are
 * ordered: later records come again too, and consumers drop them by `eventId`).
 */
export function createStreamHandler(deps: { publisher: EventPublisher; logger?: Logger }) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const pending: { entry: EventEntry; sequenceNumber: string }[] = [];
    for (const record of event.Records) {
      for (const entry of eventsOf(record)) pending.push({ entry, sequenceNumber: record.dynamodb?.SequenceNumber ?? "" });
    }
    if (pending.length === 0) return { batchItemFailures: [] };
    let failed: Set<EventEntry>;
    try {
      failed = new Set((await deps.publisher.publish(pending.map((p) => p.entry))).failed);
    } catch (error) {
      deps.logger?.error("change events not published", describeError(error));
      failed = new Set(pending.map((p) => p.entry));
    }
    const first = pending.find((p) => failed.has(p.entry));
    if (!first) return { batchItemFailures: [] };
    deps.logger?.warn("change events not published; the stream will deliver them again", { failed: failed.size });
    return { batchItemFailures: [{ itemIdentifier: first.sequenceNumber }] };
  };
}
