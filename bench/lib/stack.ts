/**
 * The service on the same real local parts the test suite uses, for the benchmarks: one in-memory
 * DynamoDB Local, the local KMS endpoint, a fake Okta on loopback, the real SDK clients and the
 * real app. The floors use the very same client instances (same settings, same socket pools).
 */
import { randomUUID } from "node:crypto";
import { GetItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { createApp } from "../../functions/api/app";
import { createAuthenticator } from "../../functions/api/auth";
import { wireApiParts, type ServiceWiring } from "../../functions/core/compose";
import { createKmsClient } from "../../functions/core/crypto/kms-client";
import { startLocalKms } from "../../functions/core/crypto/local-kms";
import { createLogger } from "../../functions/core/logger";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import * as keys from "../../functions/core/storage/keys";
import { ensureTable } from "../../functions/core/storage/table";
import { startDynamoDbLocal } from "../../functions/local/dynamodb-local";
import { mintDevToken } from "../../functions/local/dev-token";
import { countCalls } from "../../test/support/aws-calls";
import { sampleToken, startFakeOkta } from "../../test/support/fake-okta";

const JWT_SECRET = "bench-only-hs256-secret-0123456789";
const CURSOR_SECRET = "bench-cursor-secret-0123456789";
const CREDENTIALS_HASH_KEY = "bench-credentials-hash-key-0123456789abcdef";

export const BASE = "/api/v1/app-connections/okta";

export async function startBenchStack() {
  const engine = await startDynamoDbLocal(); // in memory, like the test suite's
  const localKms = await startLocalKms({});
  const okta = await startFakeOkta();
  const tableName = `bench-${randomUUID()}`;

  const dynamo = createDynamoClient({ endpoint: engine.endpoint });
  const kms = createKmsClient({ endpoint: localKms.endpoint });
  await ensureTable(dynamo, tableName);

  // Log lines are built exactly as in production (JSON, secret redaction) and then dropped, so the
  // benchmark's own console is not what is measured.
  const logger = createLogger(() => {});
  const authenticate = createAuthenticator({ kind: "hs256", secret: JWT_SECRET });
  /** The service's wiring on this stack's table, key and fake Okta; measures override what they change. */
  const wiring = (over: Partial<ServiceWiring> = {}): ServiceWiring => ({
    dynamo,
    tableName,
    kms,
    kmsKeyId: localKms.keyId,
    cursorSecret: CURSOR_SECRET,
    credentialsHashKey: CREDENTIALS_HASH_KEY,
    oktaInsecureAllowlist: [okta.hostPort],
    logger,
    ...over,
  });
  const wire = (clients: { dynamo: typeof dynamo; kms: typeof kms }) =>
    createApp({ ...wireApiParts(wiring(clients)), authenticate, logger });

  // The timed app shares its clients with the floors. The counted app has clients of its own with
  // the counting middleware, so the timings carry no instrumentation.
  const app = wire({ dynamo, kms });
  const counted = { dynamo: createDynamoClient({ endpoint: engine.endpoint }), kms: createKmsClient({ endpoint: localKms.endpoint }) };
  const calls = countCalls({ dynamodb: counted.dynamo, kms: counted.kms });
  const countedApp = wire(counted);

  let seed = 0;
  const stack = {
    app,
    countedApp,
    calls,
    dynamo,
    kms,
    localKms,
    okta,
    tableName,
    wiring,
    jwtSecret: JWT_SECRET,
    dynamoEndpoint: engine.endpoint,
    adminToken: (orgId: string, sub = "bench-admin") => mintDevToken(JWT_SECRET, { sub, orgId, orgRole: "admin" }),
    /** A token the fake Okta accepts. */
    oktaToken() {
      const token = sampleToken(`bench-${++seed}-${randomUUID()}`);
      okta.validTokens.add(token);
      return token;
    },
    createBody(name: string, projectId: string | null) {
      return {
        name,
        method: "api-token",
        ...(projectId ? { projectId } : {}),
        credentials: { instanceUrl: okta.origin, apiToken: stack.oktaToken() },
      };
    },
    /** One request through the whole app, body read to the end, as `createApp(deps).request(...)`. */
    async call(target: ReturnType<typeof wire>, token: string, method: string, path: string, body?: unknown) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      const text = body === undefined ? undefined : JSON.stringify(body);
      // As an HTTP client sends it (node-server and API Gateway pass Content-Length on).
      if (text !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
      const res = await target.request(path, { method, headers, body: text });
      return { status: res.status, text: await res.text() };
    },
    /** The raw item of a connection, as the store wrote it. */
    async rawConnection(orgId: string, id: string): Promise<Record<string, AttributeValue>> {
      const out = await dynamo.send(new GetItemCommand({ TableName: tableName, Key: rawKey(keys.connectionKey(orgId, id)), ConsistentRead: true }));
      if (!out.Item) throw new Error(`no item for connection ${id}`);
      return out.Item;
    },
    async close() {
      await okta.close();
      await localKms.close();
      for (const client of [dynamo, kms, counted.dynamo, counted.kms]) client.destroy();
      await engine.stop();
    },
  };
  return stack;
}

export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>;

/** `{ PK, SK }` as DynamoDB attribute values. */
export const rawKey = (key: keys.ItemKey): Record<string, AttributeValue> => ({ PK: { S: key.PK }, SK: { S: key.SK } });

/** Throws unless the reply is a 200; a benchmark of failing requests would measure nothing useful. */
export function expectOk(reply: { status: number; text: string }, what: string) {
  if (reply.status !== 200) throw new Error(`${what}: HTTP ${reply.status} ${reply.text.slice(0, 300)}`);
  return JSON.parse(reply.text);
}
