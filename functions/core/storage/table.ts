import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { TABLE_SCHEMA } from "./keys";

/** CreateTable input derived from the key design, so the local table cannot drift from the code. */
export function tableDefinition(tableName: string): CreateTableCommandInput & { TableName: string } {
  const attributes = new Set<string>([TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey]);
  for (const index of TABLE_SCHEMA.indexes) attributes.add(index.partitionKey).add(index.sortKey);
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: TABLE_SCHEMA.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: "HASH" },
        { AttributeName: index.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: index.projection },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  };
}

/** Creates the table when missing (local mode only; in AWS the stack owns the table). */
export const ensureTable = (client: DynamoDBClient, tableName: string) =>
  createTableIfMissing(client, tableDefinition(tableName), TABLE_SCHEMA.ttlAttribute);

/** Creates a table unless it exists, then turns on TTL (a table setting of its own, not part of CreateTable). */
export async function createTableIfMissing(
  client: DynamoDBClient,
  definition: CreateTableCommandInput & { TableName: string },
  ttlAttribute: string,
): Promise<"created" | "exists"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
    return "exists";
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(definition));
  const TimeToLiveSpecification = { AttributeName: ttlAttribute, Enabled: true };
  await client.send(new UpdateTimeToLiveCommand({ TableName: definition.TableName, TimeToLiveSpecification }));
  return "created";
}
