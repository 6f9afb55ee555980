import type { Context, SQSRecord } from "aws-lambda";

/**
 * What Lambda hands the provisioning handler, built by hand where no SQS runs (the local
 * `npm run provision` and the tests): one record as the SQS poller delivers it, and a context.
 */
export function sqsRecord(body: string, opts: { messageId: string; receiveCount: number; queueArn: string; senderId?: string }): SQSRecord {
  return {
    messageId: opts.messageId,
    receiptHandle: `${opts.messageId}-${opts.receiveCount}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount),
      SentTimestamp: String(Date.now()),
      // SQS names the sending principal (an IAM user or role id); the audit trail records it.
      SenderId: opts.senderId ?? "local",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: opts.queueArn,
    awsRegion: opts.queueArn.split(":")[3]!,
  };
}

/** Enough of a Lambda context for Powertools to bound an in-progress record by the time left. */
export const lambdaContext = (functionName: string, remainingMs: number) =>
  ({ functionName, awsRequestId: functionName, getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;
