import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../functions/local/dynamodb-local";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** Starts one in-memory DynamoDB Local for the whole suite (about 2-5 s), stopped at the end. */
export default async function setup(project: TestProject) {
  const engine = await startDynamoDbLocal();
  project.provide("dynamoEndpoint", engine.endpoint);
  return () => engine.stop();
}
