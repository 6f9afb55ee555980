import { provisioningProducers } from "./config";
import { provisioningQueue } from "./queues";

/**
 * Who may put messages on the intake: only the producers named at deploy time
 * (`PROVISIONING_PRODUCERS`). The explicit deny also holds against identity policies of this
 * account that would otherwise allow `sqs:SendMessage` on the queue (an admin role, a wildcard).
 * The provisioning function's own receive and delete rights come from its role and are untouched.
 */
export const provisioningQueuePolicy = new aws.sqs.QueuePolicy("ProvisioningQueuePolicy", {
  queueUrl: provisioningQueue.url,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NamedProducersSend",
        Effect: "Allow",
        Principal: { AWS: provisioningProducers },
        Action: ["sqs:SendMessage"],
        Resource: provisioningQueue.arn,
      },
      {
        Sid: "NobodyElseSends",
        Effect: "Deny",
        Principal: "*",
        Action: ["sqs:SendMessage"],
        Resource: provisioningQueue.arn,
        Condition: { ArnNotLike: { "aws:PrincipalArn": provisioningProducers } },
      },
    ],
  }),
});
