import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";

/**
 * The idempotency table: Powertools' default layout, on its own table so its records (two writes
 * per message) stay out of the connections table's stream. The stack builds it from this.
 */
export const IDEMPOTENCY_TABLE_SCHEMA = { partitionKey: "id", ttlAttribute: "expiration" } as const;

/** A requestId is remembered as long as SQS may still hold a copy of its message (14 days). */
export const IDEMPOTENCY_TTL_SECONDS = 14 * 24 * 3600;

export function createIdempotencyStore(client: DynamoDBClient, tableName: string) {
  return new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: client,
    keyAttr: IDEMPOTENCY_TABLE_SCHEMA.partitionKey,
    expiryAttr: IDEMPOTENCY_TABLE_SCHEMA.ttlAttribute,
  });
}

/** Creates the table when missing (local mode and tests; in AWS the stack owns it). */
export async function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<"created" | "exists"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "exists";
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, ttlAttribute } = IDEMPOTENCY_TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: "S" }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" }],
    }),
  );
  const TimeToLiveSpecification = { AttributeName: ttlAttribute, Enabled: true };
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification }));
  return "created";
}
