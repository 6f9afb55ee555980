import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import type { TestProject } from "vitest/node";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { startDynamoDbLocal } from "../../functions/local/dynamodb-local";
import { scanAll } from "./scan";
import { findPrivateKeys, findTokenShapes } from "./token-shapes";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** Every item of every table the suite wrote, after the whole suite: none may hold a token. */
async function scanAllTablesForTokens(endpoint: string): Promise<string[]> {
  const client = createDynamoClient({ endpoint });
  const found: string[] = [];
  try {
    const tableNames: string[] = [];
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      tableNames.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const TableName of tableNames) {
      for (const item of await scanAll(client, TableName)) {
        const where = `${TableName} ${item.PK?.S ?? ""} ${item.SK?.S ?? ""} type=${item.type?.S ?? "?"}`;
        found.push(...[...findTokenShapes(item), ...findPrivateKeys(item)].map((hit) => `${where}: ${hit} in ${Object.keys(item).join(",")}`));
      }
    }
  } finally {
    client.destroy();
  }
  return found;
}

/** Starts one in-memory DynamoDB Local for the whole suite (about 2-5 s), stopped at the end. */
export default async function setup(project: TestProject) {
  const engine = await startDynamoDbLocal();
  project.provide("dynamoEndpoint", engine.endpoint);
  return async () => {
    try {
      const leaks = await scanAllTablesForTokens(engine.endpoint);
      if (leaks.length > 0) {
        // vitest reports teardown errors without failing the run, so set the exit code too.
        process.exitCode = 1;
        throw new Error(`API tokens or private keys found at rest after the suite:\n${leaks.slice(0, 5).join("\n")}`);
      }
    } finally {
      await engine.stop();
    }
  };
}
