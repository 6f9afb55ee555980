import { accountRoot, customerKeyArgs } from "./kms";
import { changeEventsRole, healthCheckRole, healthSweepRole, provisionRole } from "./roles";

const { region } = aws.getRegionOutput();
const { accountId } = aws.getCallerIdentityOutput();

/**
 * KMS calls SQS makes on a caller's behalf for SSE-KMS queues: the key is only usable through SQS.
 * (Not the connections key: SQS's encryption context is `aws:sqs:arn`, which that key's policy refuses.)
 */
const viaSqs = { StringEquals: { "kms:ViaService": $interpolate`sqs.${region}.amazonaws.com`, "kms:CallerAccount": accountId } };

/**
 * The customer-managed key of the stack's queues (intake, its DLQ, the change-event failures, the health checks and their DLQ):
 * messages carry Okta API tokens. Yearly rotation; in the key policy `Resource: "*"` means this key.
 */
export const queueKey = new aws.kms.Key(
  "QueueKey",
  customerKeyArgs("SSE-KMS of the provisioning queues", [
    {
      // Producers send to the intake queue: principals of this account that IAM also allows this key, through SQS only.
      Sid: "ProducersOfThisAccountThroughSqs",
      Effect: "Allow",
      Principal: { AWS: accountRoot },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: viaSqs,
    },
    {
      Sid: "ProvisioningReceivesMessages",
      Effect: "Allow",
      Principal: { AWS: provisionRole.arn },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: viaSqs,
    },
    {
      // The stream subscription's on-failure destination is sent with the stream function's role.
      Sid: "ChangeEventsParksFailedBatches",
      Effect: "Allow",
      Principal: { AWS: changeEventsRole.arn },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: viaSqs,
    },
    {
      Sid: "HealthSweepQueuesChecks",
      Effect: "Allow",
      Principal: { AWS: healthSweepRole.arn },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: viaSqs,
    },
    {
      Sid: "HealthChecksReceiveMessages",
      Effect: "Allow",
      Principal: { AWS: healthCheckRole.arn },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: viaSqs,
    },
  ]),
);

export const queueKeyAlias = new aws.kms.Alias("QueueKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}-queues`,
  targetKeyId: queueKey.keyId,
});

/** What the stack's roles need on this key, for their own policies (permissions.ts). */
export const queueKeyCondition = viaSqs;
