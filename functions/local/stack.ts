import { createApp } from "../api/app";
import { createAuthenticator } from "../api/auth";
import { wireConnectionService } from "../core/compose";
import type { Config } from "../core/config";
import { createKmsClient } from "../core/crypto/kms-client";
import { loadOrCreateMasterKey, startLocalKms } from "../core/crypto/local-kms";
import { createLogger, type Logger } from "../core/logger";
import { createDynamoClient } from "../core/storage/dynamo-client";
import { ensureTable } from "../core/storage/table";
import { startDynamoDbLocal } from "./dynamodb-local";
import { loadOrCreateLocalSecrets } from "./secrets";

export interface LocalStack {
  app: ReturnType<typeof createApp>;
  authJwtSecret: string;
  generatedSecret: boolean;
  dynamoEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` runs besides the HTTP listener: DynamoDB Local (unless
 * DYNAMODB_ENDPOINT), the table, the local KMS endpoint (unless KMS_KEY_ID), and the app.
 */
export async function startLocalStack(config: Config, logger: Logger = createLogger()): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const secrets = loadOrCreateLocalSecrets(config.DATA_DIR);
    const authJwtSecret = config.AUTH_JWT_SECRET ?? secrets.authJwtSecret;

    let dynamoEndpoint = config.DYNAMODB_ENDPOINT;
    if (!dynamoEndpoint) {
      const engine = await startDynamoDbLocal({ dataDir: `${config.DATA_DIR}/dynamodb` });
      stops.push(engine.stop);
      dynamoEndpoint = engine.endpoint;
    }
    const dynamo = createDynamoClient({ endpoint: dynamoEndpoint });
    stops.push(async () => dynamo.destroy());
    if ((await ensureTable(dynamo, config.TABLE_NAME)) === "created") logger.info("table created", { table: config.TABLE_NAME });

    let kmsKeyId = config.KMS_KEY_ID;
    let kms = createKmsClient({ region: config.AWS_REGION });
    if (!kmsKeyId) {
      const localKms = await startLocalKms({ masterKey: await loadOrCreateMasterKey(config.DATA_DIR) });
      stops.push(localKms.close);
      kms = createKmsClient({ endpoint: localKms.endpoint });
      kmsKeyId = localKms.keyId;
    }
    stops.push(async () => kms.destroy());

    const service = wireConnectionService({
      dynamo,
      tableName: config.TABLE_NAME,
      kms,
      kmsKeyId,
      cursorSecret: config.CURSOR_SECRET ?? secrets.cursorSecret,
      oktaInsecureAllowlist: config.oktaInsecureAllowlist,
      oktaTimeoutMs: config.OKTA_TIMEOUT_MS,
      logger,
    });
    const app = createApp({ service, authenticate: createAuthenticator({ kind: "hs256", secret: authJwtSecret }), logger });
    return { app, authJwtSecret, generatedSecret: !config.AUTH_JWT_SECRET, dynamoEndpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
