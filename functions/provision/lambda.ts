import { randomBytes } from "node:crypto";
import { wireConnectionService } from "../core/compose";
import { ConfigError, loadConfig } from "../core/config";
import { createKmsClient } from "../core/crypto/kms-client";
import { createLogger } from "../core/logger";
import { createDynamoClient } from "../core/storage/dynamo-client";
import { createEventBridgePublisher } from "../events/eventbridge";
import { createEventBridgeClient } from "../events/eventbridge-client";
import { createProvisionHandler } from "./handler";
import { createIdempotencyStore } from "./idempotency";

/** SQS entry point (partial batch responses on). Clients are built once per container. */
const config = loadConfig(process.env);
if (!config.KMS_KEY_ID) throw new ConfigError("KMS_KEY_ID is required in AWS mode");
if (!config.EVENT_BUS_NAME) throw new ConfigError("EVENT_BUS_NAME is required in AWS mode");
if (!config.CREDENTIALS_HASH_KEY) throw new ConfigError("CREDENTIALS_HASH_KEY is required in AWS mode");

const logger = createLogger();
const dynamo = createDynamoClient({ endpoint: config.DYNAMODB_ENDPOINT });
const service = wireConnectionService({
  dynamo,
  tableName: config.TABLE_NAME,
  kms: createKmsClient(),
  kmsKeyId: config.KMS_KEY_ID,
  // Provisioning never pages, so no cursor leaves this function: a per-container key is enough.
  cursorSecret: config.CURSOR_SECRET ?? randomBytes(32).toString("base64url"),
  credentialsHashKey: config.CREDENTIALS_HASH_KEY,
  oktaInsecureAllowlist: config.oktaInsecureAllowlist,
  oktaTimeoutMs: config.OKTA_TIMEOUT_MS,
  healthIntervalSeconds: config.HEALTH_CHECK_INTERVAL_S,
  logger,
});

export const handler = createProvisionHandler({
  service,
  idempotency: createIdempotencyStore(dynamo, config.IDEMPOTENCY_TABLE_NAME),
  publisher: createEventBridgePublisher({ client: createEventBridgeClient(), busName: config.EVENT_BUS_NAME }),
  logger,
});
