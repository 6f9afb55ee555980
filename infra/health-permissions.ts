import { GSI2 } from "../functions/core/storage/keys";
import { health } from "./health-spec";
import { healthQueue } from "./health-queues";
import { encryptionContextCondition, HEALTH_CHECK_KEY_ACTIONS, key } from "./kms";
import { healthCheckLogGroup, healthSweepLogGroup } from "./logs";
import { ownLogs, QUEUE_CONSUMER_ACTIONS } from "./permissions";
import { queueKey, queueKeyCondition } from "./queue-key";
import { healthCheckRole, healthSweepRole } from "./roles";
import { table } from "./table";

/** The sweep reads the due index (keys only) and queues what is due: nothing else of the table, no connections key. */
export const healthSweepPolicy = new aws.iam.RolePolicy("HealthSweepRolePolicy", {
  role: healthSweepRole.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "DueIndex", Effect: "Allow", Action: ["dynamodb:Query"], Resource: $interpolate`${table.arn}/index/${GSI2}` },
      { Sid: "HealthQueue", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: healthQueue.arn },
      { Sid: "HealthQueueKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: queueKey.arn, Condition: queueKeyCondition },
      ownLogs(healthSweepLogGroup),
    ],
  }),
});

/**
 * The checker reads connections in batches (their sealed credentials included), opens them under the
 * connection's encryption context, and writes back only health attributes: its UpdateItem may name
 * no other attribute and return nothing.
 */
export const healthCheckPolicy = new aws.iam.RolePolicy("HealthCheckRolePolicy", {
  role: healthCheckRole.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadConnections", Effect: "Allow", Action: ["dynamodb:BatchGetItem"], Resource: table.arn },
      {
        Sid: "WriteHealthOnly",
        Effect: "Allow",
        Action: ["dynamodb:UpdateItem"],
        Resource: table.arn,
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:Attributes": [...health.checkerAttributes] },
          StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE"] },
        },
      },
      { Sid: "OpenCredentials", Effect: "Allow", Action: HEALTH_CHECK_KEY_ACTIONS, Resource: key.arn, Condition: encryptionContextCondition },
      { Sid: "HealthQueue", Effect: "Allow", Action: QUEUE_CONSUMER_ACTIONS, Resource: healthQueue.arn },
      { Sid: "HealthQueueKey", Effect: "Allow", Action: ["kms:Decrypt"], Resource: queueKey.arn, Condition: queueKeyCondition },
      ownLogs(healthCheckLogGroup),
    ],
  }),
});
