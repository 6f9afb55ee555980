import { health } from "./health-spec";
import { encrypted } from "./queues";

/** Checks that failed for the service's own reasons after `health.maxReceiveCount` receives (alarmed). */
export const healthDlq = new sst.aws.Queue("HealthChecksDlq", { transform: { queue: encrypted } });

/** Due connections, one message each, from the sweep to the checker (SSE-KMS with the queue key). */
export const healthQueue = new sst.aws.Queue("HealthChecks", {
  visibilityTimeout: `${health.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: healthDlq.arn, retry: health.maxReceiveCount },
  transform: { queue: encrypted },
});
