import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Builds the `DynamoDBClient`. A local endpoint (DynamoDB Local) gets a fixed region and dummy
 * credentials, so a developer's real AWS credentials are never picked up or needed.
 */
export function createDynamoClient(opts: { endpoint?: string; region?: string; maxAttempts?: number } = {}): DynamoDBClient {
  const { endpoint, region, maxAttempts } = opts;
  const retries = maxAttempts ? { maxAttempts } : {};
  if (endpoint) {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    return new DynamoDBClient({ ...retries, endpoint, region: region ?? "us-east-1", credentials });
  }
  return new DynamoDBClient({ ...retries, ...(region ? { region } : {}) });
}
