/**
 * The health part of the stack as plain data (no SST globals), so the offline check reads the same
 * numbers the stack is built from (README, "Connection health").
 */

/** SST names of the two functions (their Lambda resources are `${name}Function`). */
export const HEALTH_SWEEP_FUNCTION = "HealthSweepFunction";
export const HEALTH_CHECK_FUNCTION = "HealthCheckFunction";

export const health = {
  /** Matches AWS_SWEEP_PERIOD_S (functions/core/health/runtime.ts): each sweep looks this far ahead. */
  schedule: "rate(5 minutes)",
  sweep: { timeoutSeconds: 120, memory: "256 MB" },
  check: {
    /** A batch of 10 may wait on slow or throttled Okta orgs; throttled ones are left for the next sweep. */
    timeoutSeconds: 120,
    memory: "512 MB",
    batchSize: 10,
    batchWindowSeconds: 5,
    /** Checker instances at once (the lowest SQS allows): each keeps its own per-org limiter. */
    maximumConcurrency: 2,
  },
  /** AWS's rule for Lambda consumers: at least 6 × the function timeout. */
  visibilityTimeoutSeconds: 6 * 120,
  /** A check that fails for the service's own reasons (database, KMS) this often is parked in the DLQ. */
  maxReceiveCount: 5,
  /**
   * The only attributes the checker may write (IAM `dynamodb:Attributes`): the health record and
   * the due index (functions/core/storage/dynamo-store.ts `recordHealth`), the key it addresses and
   * the credentialsHash its condition reads.
   */
  checkerAttributes: ["PK", "SK", "health", "GSI2PK", "GSI2SK", "credentialsHash"],
  /** The checker's log line of each check carries `unhealthy: 0|1`; their sum is the metric. */
  metric: { namespace: "OktaAppConnections", name: "UnhealthyConnectionChecks", pattern: '{ $.message = "health check" }', value: "$.unhealthy" },
  /** Alarm when any check found a connection unhealthy within the hour. */
  unhealthyAlarm: { periodSeconds: 3600, threshold: 0 },
} as const;
