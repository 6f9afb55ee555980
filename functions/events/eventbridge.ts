import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { DEADLINES } from "../core/deadlines";
import { EVENT_SOURCE, type EventEntry, type EventPublisher } from "./publisher";

/** PutEvents accepts 1-10 entries per call. */
const CHUNK = DEADLINES.publish.entriesPerCall;

export interface EventBridgeOptions {
  client: EventBridgeClient;
  busName: string;
  /** Tries per entry, the first included (the SDK's own retries of a whole call come on top). */
  maxAttempts?: number;
  /** Backoff base; the n-th retry waits `baseDelayMs * 2^(n-1)`. */
  baseDelayMs?: number;
}

/**
 * EventBridge adapter. A 200 from PutEvents can still refuse some entries (`FailedEntryCount`),
 * so only those are sent again, a bounded number of times; what is left is returned, not thrown,
 * so the caller decides (the stream handler reports those records, the intake retries the message).
 */
export function createEventBridgePublisher(opts: EventBridgeOptions): EventPublisher {
  const { client, busName } = opts;
  const maxAttempts = opts.maxAttempts ?? DEADLINES.publish.attempts;
  const baseDelayMs = opts.baseDelayMs ?? DEADLINES.publish.baseDelayMs;
  const toEntry = (e: EventEntry): PutEventsRequestEntry => ({
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: e.detailType,
    Detail: JSON.stringify(e.detail),
    Time: e.time,
  });

  async function sendChunk(chunk: EventEntry[]): Promise<EventEntry[]> {
    let pending = chunk;
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (attempt - 2)));
      try {
        const out = await client.send(new PutEventsCommand({ Entries: pending.map(toEntry) }));
        if (!out.FailedEntryCount) return [];
        // Results are positional: the i-th result answers the i-th entry.
        pending = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined || out.Entries?.[i]?.EventId === undefined);
      } catch {
        // The whole call failed after the SDK's retries: try the same entries again.
      }
    }
    return pending;
  }

  return {
    async publish(entries) {
      const failed: EventEntry[] = [];
      for (let i = 0; i < entries.length; i += CHUNK) failed.push(...(await sendChunk(entries.slice(i, i + CHUNK))));
      return { failed };
    },
  };
}
