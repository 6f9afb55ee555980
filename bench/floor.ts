/**
 * The floor of the cold-start benchmark (issue 17): only what the API function cannot do without:
 * the web framework, zod/mini with one schema, and the two AWS clients built once at import (with
 * the commands the store and the sealer send), serving the same GET by id as trivially as
 * possible: the caller from API Gateway's verified claims, one `GetItem`, the item as JSON.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import * as z from "zod/mini";
import { connectionKey } from "../functions/core/storage/keys";

export { PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
export { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";

export const dynamo = new DynamoDBClient({});
export const kms = new KMSClient({});
const params = z.object({ connectionId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/)) });

const app = new Hono<{ Bindings: { event: { requestContext: { authorizer?: { jwt?: { claims?: Record<string, string> } } } } } }>();
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.get("/api/v1/app-connections/okta/:connectionId", async (c) => {
  const orgId = c.env.event.requestContext.authorizer?.jwt?.claims?.org_id;
  if (!orgId) return c.json({ error: "Unauthorized" }, 401);
  const { connectionId } = params.parse(c.req.param());
  const { PK, SK } = connectionKey(orgId, connectionId);
  const out = await dynamo.send(new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { PK: { S: PK }, SK: { S: SK } }, ConsistentRead: true }));
  return out.Item ? c.json({ appConnection: out.Item }) : c.json({ error: "NotFound" }, 404);
});

export const handler = handle(app);
