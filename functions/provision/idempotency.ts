import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { createTableIfMissing } from "../core/storage/table";

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
export function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<"created" | "exists"> {
  const { partitionKey, ttlAttribute } = IDEMPOTENCY_TABLE_SCHEMA;
  const definition = {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: "S" as const }],
    KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" as const }],
  };
  return createTableIfMissing(client, definition, ttlAttribute);
}
