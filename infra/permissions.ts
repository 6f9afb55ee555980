import { TABLE_SCHEMA } from "../functions/core/storage/keys";
import { bus } from "./bus";
import { idempotencyTable } from "./idempotency";
import { encryptionContextCondition, key, KEY_USE_ACTIONS, PROVISION_KEY_ACTIONS } from "./kms";
import { apiLogGroup, changeEventsLogGroup, provisionLogGroup } from "./logs";
import { queueKey, queueKeyCondition } from "./queue-key";
import { changeEventFailures, provisioningQueue } from "./queues";
import { apiRole, changeEventsRole, provisionRole } from "./roles";
import { table } from "./table";

/**
 * The DynamoDB actions the store sends (functions/core/storage/dynamo-store.ts): GetItem,
 * BatchGetItem (the health checks' batch reads), Query, UpdateItem (validate's health record), and TransactWriteItems made of Put, Update and Delete
 * items, which IAM authorises as PutItem, UpdateItem and DeleteItem. The offline check derives the
 * same list from the code and compares.
 */
export const DYNAMO_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
export const DYNAMO_INDEX_ACTIONS = ["dynamodb:Query"];

/** A function writes only to its own log group's streams. */
export const ownLogs = (logGroup: aws.cloudwatch.LogGroup) => ({
  Sid: "OwnLogs",
  Effect: "Allow",
  Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
  Resource: $interpolate`${logGroup.arn}:log-stream:*`,
});

/** Everything the API function may do: no wildcard action, no `*` resource. */
export const apiPolicy = new aws.iam.RolePolicy("ApiRolePolicy", {
  role: apiRole.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ConnectionsTable", Effect: "Allow", Action: DYNAMO_TABLE_ACTIONS, Resource: table.arn },
      {
        Sid: "ConnectionsIndexes",
        Effect: "Allow",
        Action: DYNAMO_INDEX_ACTIONS,
        Resource: TABLE_SCHEMA.indexes.map((index) => $interpolate`${table.arn}/index/${index.name}`),
      },
      { Sid: "DataKeys", Effect: "Allow", Action: KEY_USE_ACTIONS, Resource: key.arn, Condition: encryptionContextCondition },
      ownLogs(apiLogGroup),
    ],
  }),
});

/**
 * Provisioning reads by key only and writes in transactions of Put, Update and Delete items (the
 * connection, its name lock, the audit entry, the watermark): no Query on the connections table.
 */
export const PROVISION_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
/** What Powertools' DynamoDB persistence layer sends. */
export const IDEMPOTENCY_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];
/** What Lambda's SQS poller does with the function's role. */
export const QUEUE_CONSUMER_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
/** What Lambda's DynamoDB stream poller does with the function's role. */
export const STREAM_READER_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];

/** The intake's role: apply messages, remember their requestIds, publish outcomes. */
export const provisionPolicy = new aws.iam.RolePolicy("ProvisionRolePolicy", {
  role: provisionRole.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ConnectionsTable", Effect: "Allow", Action: PROVISION_TABLE_ACTIONS, Resource: table.arn },
      { Sid: "IdempotencyTable", Effect: "Allow", Action: IDEMPOTENCY_TABLE_ACTIONS, Resource: idempotencyTable.arn },
      { Sid: "DataKeys", Effect: "Allow", Action: PROVISION_KEY_ACTIONS, Resource: key.arn, Condition: encryptionContextCondition },
      { Sid: "IntakeQueue", Effect: "Allow", Action: QUEUE_CONSUMER_ACTIONS, Resource: provisioningQueue.arn },
      { Sid: "IntakeQueueKey", Effect: "Allow", Action: ["kms:Decrypt"], Resource: queueKey.arn, Condition: queueKeyCondition },
      { Sid: "Outcomes", Effect: "Allow", Action: ["events:PutEvents"], Resource: bus.arn },
      ownLogs(provisionLogGroup),
    ],
  }),
});

/** The change-event publisher's role: read the stream, publish, park failed batches. No connections key. */
export const changeEventsPolicy = new aws.iam.RolePolicy("ChangeEventsRolePolicy", {
  role: changeEventsRole.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ConnectionsStream", Effect: "Allow", Action: STREAM_READER_ACTIONS, Resource: table.nodes.table.streamArn },
      { Sid: "ChangeEvents", Effect: "Allow", Action: ["events:PutEvents"], Resource: bus.arn },
      { Sid: "OnFailureDestination", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: changeEventFailures.arn },
      {
        Sid: "OnFailureDestinationKey",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: queueKey.arn,
        Condition: queueKeyCondition,
      },
      ownLogs(changeEventsLogGroup),
    ],
  }),
});
