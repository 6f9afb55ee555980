import { handle } from "hono/aws-lambda";
import { wireApiParts } from "../core/compose";
import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { createDynamoClient } from "../core/storage/dynamo-client";
import { createApp } from "./app";
import { trustGatewayAuthorizer } from "./gateway-auth";

/**
 * API Gateway HTTP API (payload v2) entry point. Everything is built once per container, at
 * import, except what touches credentials (the KMS client and sealer, the URL guard, the Okta
 * client: core/lazy-parts.ts), which the first create, PATCH, validate or proxy call loads; reads
 * never need it (bench:cold shows both costs). Tokens were verified by the gateway's JWT
 * authorizer (only API Gateway may invoke this function): the app reads the verified claims from
 * the event and loads no JWT verification of its own (gateway-auth.ts).
 */
const config = loadConfig(process.env);
if (!config.KMS_KEY_ID) throw new ConfigError("KMS_KEY_ID is required in AWS mode");
if (!config.CURSOR_SECRET) throw new ConfigError("CURSOR_SECRET is required in AWS mode");
if (!config.CREDENTIALS_HASH_KEY) throw new ConfigError("CREDENTIALS_HASH_KEY is required in AWS mode");
if (!config.AUTH_ISSUER || !config.AUTH_AUDIENCE) throw new ConfigError("AUTH_ISSUER and AUTH_AUDIENCE are required in AWS mode");

const logger = createLogger();
const { service, proxy } = wireApiParts({
  dynamo: createDynamoClient({ endpoint: config.DYNAMODB_ENDPOINT }),
  tableName: config.TABLE_NAME,
  kmsKeyId: config.KMS_KEY_ID,
  cursorSecret: config.CURSOR_SECRET,
  credentialsHashKey: config.CREDENTIALS_HASH_KEY,
  oktaInsecureAllowlist: config.oktaInsecureAllowlist,
  oktaTimeoutMs: config.OKTA_TIMEOUT_MS,
  healthIntervalSeconds: config.HEALTH_CHECK_INTERVAL_S,
  logger,
});

export const app = createApp({
  service,
  proxy,
  authenticate: trustGatewayAuthorizer({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE }),
  logger,
});
export const handler = handle(app);
