/**
 * The outbound port for events other systems consume. Adapters: EventBridge (AWS) and a JSON-lines
 * file (local runs and tests). Entries never carry a secret: they are built only from
 * non-secret fields (see change-events.ts).
 */
export const EVENT_SOURCE = "okta.app-connections";

export interface EventEntry {
  /** `app-connection.created` | `.updated` | `.deleted` | `.health-changed` | `provisioning.succeeded` | `provisioning.failed` */
  detailType: string;
  /** Always carries `eventId`, the key consumers de-duplicate on. */
  detail: { eventId: string } & Record<string, unknown>;
  time: Date;
}

export interface PublishResult {
  /** Entries still not accepted after the adapter's own bounded retries. */
  failed: EventEntry[];
}

export interface EventPublisher {
  publish(entries: EventEntry[]): Promise<PublishResult>;
}

/** Thrown by callers that cannot accept a partial publish (the message is then retried as a whole). */
export class PublishError extends Error {
  constructor(readonly failed: number) {
    super(`${failed} event(s) could not be published`);
    this.name = "PublishError";
  }
}
