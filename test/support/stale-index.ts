import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "../../functions/core/storage/table";
import { scanAll } from "./scan";

/**
 * DynamoDB Local's indexes are up to date the moment a write commits; AWS's global secondary
 * indexes are not. This SDK middleware makes the lag visible: after `freeze()`, every Query of an
 * index is answered from a copy of the table taken at that moment (a second real table), while
 * key reads and writes still reach the live one.
 */
export function installStaleIndex(client: DynamoDBClient, tableName: string) {
  let replica: string | null = null;
  let copies = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; IndexName?: string };
      if (replica && context.commandName === "QueryCommand" && input.IndexName && input.TableName === tableName) {
        args = { ...args, input: { ...input, TableName: replica } };
      }
      return next(args);
    },
    { step: "initialize", name: "stale-index" },
  );
  return {
    /** From now on, index queries see the table as it is now. */
    async freeze() {
      replica = null;
      const copy = `${tableName}-stale-${++copies}`;
      await ensureTable(client, copy);
      const items = await scanAll(client, tableName);
      for (let i = 0; i < items.length; i += 25) {
        const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        await client.send(new BatchWriteItemCommand({ RequestItems: { [copy]: batch } }));
      }
      replica = copy;
    },
    thaw() {
      replica = null;
    },
  };
}
