import { provision, QUEUE_RETENTION_SECONDS } from "./provisioning-spec";
import { queueKey } from "./queue-key";

/** Every queue of the stack: SSE-KMS with the queue key, 14 days of retention. */
export const encrypted = (args: aws.sqs.QueueArgs): undefined => {
  args.kmsMasterKeyId = queueKey.arn;
  args.kmsDataKeyReusePeriodSeconds = 300;
  args.messageRetentionSeconds = QUEUE_RETENTION_SECONDS;
};

/** Where intake messages go after `provision.maxReceiveCount` receives: a human redrives them once the cause is fixed. */
export const provisioningDlq = new sst.aws.Queue("ProvisioningDlq", { transform: { queue: encrypted } });

/**
 * The intake: producers send one message per desired change (standard queue; order comes from
 * `sentAt`). A failed message reappears after the visibility timeout (the retry backoff).
 */
export const provisioningQueue = new sst.aws.Queue("Provisioning", {
  visibilityTimeout: `${provision.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: provisioningDlq.arn, retry: provision.maxReceiveCount },
  transform: { queue: encrypted },
});

/**
 * The stream subscription's on-failure destination: metadata of stream batches that still failed
 * after the bounded retries (shard and sequence range, to replay them).
 */
export const changeEventFailures = new sst.aws.Queue("ChangeEventFailures", { transform: { queue: encrypted } });
