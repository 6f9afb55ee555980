import { TABLE_SCHEMA } from "../functions/core/storage/keys";
import { encryptionContextCondition, key, KEY_USE_ACTIONS } from "./kms";
import { apiLogGroup } from "./logs";
import { apiRole } from "./roles";
import { table } from "./table";

/**
 * The DynamoDB actions the store sends (functions/core/storage/dynamo-store.ts): GetItem and Query,
 * and TransactWriteItems made of Put and Delete items, which IAM authorises as PutItem and
 * DeleteItem. The offline check derives the same list from the code and compares.
 */
export const DYNAMO_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"];
export const DYNAMO_INDEX_ACTIONS = ["dynamodb:Query"];

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
      {
        Sid: "OwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: $interpolate`${apiLogGroup.arn}:log-stream:*`,
      },
    ],
  }),
});
