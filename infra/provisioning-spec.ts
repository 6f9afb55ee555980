/**
 * The provisioning part of the stack as plain data (no SST globals), so the offline check reads
 * the same numbers the stack is built from (docs/deploy.md, "Provisioning and change events").
 */

/** SST names of the two functions (their Lambda resources are `${name}Function`). */
export const PROVISION_FUNCTION = "ProvisionFunction";
export const CHANGE_EVENTS_FUNCTION = "ChangeEventsFunction";

/** SQS keeps a message at most 14 days; the watermark and idempotency TTLs are sized to it. */
export const QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;

export const provision = {
  /**
   * A batch's messages about one name run one at a time (distinct names at once); one message's outside calls can take up to about 42 s in all
   * (DNS, Okta, KMS, DynamoDB and EventBridge to their deadlines: functions/core/deadlines.ts), so a
   * batch of 2 needs 85 s. check:infra recomputes it.
   */
  timeoutSeconds: 90,
  memory: "512 MB",
  /** AWS's rule for Lambda consumers: visibility timeout at least 6 × the function timeout. It is also the retry backoff. */
  visibilityTimeoutSeconds: 6 * 90,
  /** Receives before a message is parked in the DLQ. */
  maxReceiveCount: 5,
  batchSize: 2,
  batchWindowSeconds: 5,
  /** Concurrent invocations the queue may drive (caps the load on Okta without reserving account concurrency). */
  maximumConcurrency: 5,
} as const;

export const changeEvents = {
  /** Two PutEvents chunks of 10 (a batch of 20), each up to 3 tries of an SDK call to its deadline: about 19 s. */
  timeoutSeconds: 30,
  memory: "256 MB",
  batchSize: 20,
  /** 1 keeps a connection's events in commit order per shard. */
  parallelizationFactor: 1,
  maximumRetryAttempts: 5,
  maximumRecordAgeSeconds: 24 * 3600,
} as const;

/** A parked message or a failed stream batch: alarm as soon as one is there. */
export const failureQueueAlarm = { metricName: "ApproximateNumberOfMessagesVisible", periodSeconds: 300, threshold: 0 } as const;
