import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { createApp } from "../api/app";
import { authOptionsFrom, createAuthenticator, type AuthOptions } from "../api/auth";
import { awsClientConfig } from "../core/aws-client-config";
import { wireApiParts } from "../core/compose";
import type { Config } from "../core/config";
import type { ConnectionService } from "../core/connections/service";
import type { OktaProxy } from "../core/proxy/proxy";
import { createHealthRuntime, localSweepPeriod, type HealthRuntime } from "../core/health/runtime";
import { createKmsClient } from "../core/crypto/kms-client";
import { loadOrCreateMasterKey, startLocalKms } from "../core/crypto/local-kms";
import { createLogger, type Logger } from "../core/logger";
import { createDynamoClient } from "../core/storage/dynamo-client";
import { ensureTable } from "../core/storage/table";
import { createFilePublisher } from "../events/file-publisher";
import { createStreamHandler } from "../events/stream-handler";
import { acquireDataDirLock, DataDirBusyError, lockHolder } from "./data-dir-lock";
import { startHealthSchedule } from "./health-schedule";
import { startDynamoDbLocal } from "./dynamodb-local";
import { loadOrCreateLocalSecrets } from "./secrets";
import { createStreamReader } from "./stream-reader";

export interface LocalCoreOptions {
  /** Use the DynamoDB of a process already holding DATA_DIR (npm start) instead of refusing (the provision CLI). */
  borrowRunning?: boolean;
  /** Also print each change event on stdout (`npm start -- --events`). */
  echoEvents?: boolean;
  /** Told each step of the start as it begins or ends ("DynamoDB Local starting", "table ready"...). */
  onProgress?: (step: string) => void;
  /** Run the health schedule in process (npm start; section 8). */
  healthSchedule?: boolean;
}

/** The engines and the domain service on DATA_DIR, without HTTP: shared by npm start and the provision CLI. */
export interface LocalCore {
  service: ConnectionService;
  proxy: OktaProxy;
  /** The health checks on the same ports (the schedule runs them when `healthSchedule`). */
  health: HealthRuntime;
  dynamo: DynamoDBClient;
  dynamoEndpoint: string;
  authJwtSecret: string;
  generatedSecret: boolean;
  /** `DATA_DIR/events.jsonl`: change events (and provisioning outcomes) as JSON lines. */
  eventsFile: string;
  /** False when borrowing a running npm start's engine: that process reads the stream then. */
  ownsDataDir: boolean;
  /** Writes out the change events of everything committed so far (no-op when borrowing). */
  drainEvents(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStack extends LocalCore {
  app: ReturnType<typeof createApp>;
  /** How bearer tokens are verified: the issuer's JWKS (AWS mode) or the HS256 secret. */
  auth: AuthOptions;
}

/**
 * DynamoDB Local (unless DYNAMODB_ENDPOINT), the table, the local KMS endpoint (unless KMS_KEY_ID),
 * the service, and the stream reader that turns table changes into change events. One process
 * holds a DATA_DIR at a time (`local-stack.lock`).
 */
export async function startLocalCore(config: Config, logger: Logger = createLogger(), opts: LocalCoreOptions = {}): Promise<LocalCore> {
  const progress = opts.onProgress ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const secrets = loadOrCreateLocalSecrets(config.DATA_DIR);
    const holder = lockHolder(config.DATA_DIR);
    if (holder && !(opts.borrowRunning && holder.dynamoEndpoint)) throw new DataDirBusyError(config.DATA_DIR, holder);

    let dynamoEndpoint: string;
    if (holder) {
      dynamoEndpoint = holder.dynamoEndpoint;
    } else {
      const lock = acquireDataDirLock(config.DATA_DIR);
      stops.push(async () => lock.release());
      if (config.DYNAMODB_ENDPOINT) {
        dynamoEndpoint = config.DYNAMODB_ENDPOINT;
      } else {
        progress(`DynamoDB Local starting (Java; data in ${config.DATA_DIR}/dynamodb)`);
        const engine = await startDynamoDbLocal({ dataDir: `${config.DATA_DIR}/dynamodb` });
        stops.push(engine.stop);
        dynamoEndpoint = engine.endpoint;
        progress(`DynamoDB Local ready on ${dynamoEndpoint}`);
      }
      lock.announce(dynamoEndpoint);
    }
    const dynamo = createDynamoClient({ endpoint: dynamoEndpoint });
    stops.push(async () => dynamo.destroy());
    const table = await ensureTable(dynamo, config.TABLE_NAME);
    if (table === "created") logger.info("table created", { table: config.TABLE_NAME });
    progress(`table ${config.TABLE_NAME} ready${table === "created" ? " (created)" : ""}`);

    let kmsKeyId = config.KMS_KEY_ID;
    let kms = createKmsClient({ region: config.AWS_REGION });
    if (!kmsKeyId) {
      const localKms = await startLocalKms({ masterKey: await loadOrCreateMasterKey(config.DATA_DIR) });
      stops.push(localKms.close);
      kms = createKmsClient({ endpoint: localKms.endpoint });
      kmsKeyId = localKms.keyId;
    }
    progress(config.KMS_KEY_ID ? `KMS ready (AWS key ${config.KMS_KEY_ID})` : "KMS ready (local endpoint)");
    stops.push(async () => kms.destroy());

    const parts = wireApiParts({
      dynamo,
      tableName: config.TABLE_NAME,
      kms,
      kmsKeyId,
      cursorSecret: config.CURSOR_SECRET ?? secrets.cursorSecret,
      credentialsHashKey: config.CREDENTIALS_HASH_KEY ?? secrets.credentialsHashKey,
      oktaInsecureAllowlist: config.oktaInsecureAllowlist,
      oktaTimeoutMs: config.OKTA_TIMEOUT_MS,
      healthIntervalSeconds: config.HEALTH_CHECK_INTERVAL_S,
      logger,
    });
    const { service, proxy } = parts;
    const periodSeconds = localSweepPeriod(config.HEALTH_CHECK_INTERVAL_S);
    const health = createHealthRuntime(parts, {
      intervalSeconds: config.HEALTH_CHECK_INTERVAL_S,
      concurrency: config.HEALTH_CHECK_CONCURRENCY,
      sweepPeriodSeconds: periodSeconds,
      logger,
    });

    const eventsFile = join(config.DATA_DIR, "events.jsonl");
    let drainEvents = async () => {};
    if (!holder) {
      const echo = opts.echoEvents ? (line: string) => process.stdout.write(line + "\n") : undefined;
      const streams = new DynamoDBStreamsClient(awsClientConfig({ endpoint: dynamoEndpoint }));
      const reader = createStreamReader({
        dynamo,
        streams,
        tableName: config.TABLE_NAME,
        handler: createStreamHandler({ publisher: createFilePublisher({ file: eventsFile, echo }), logger }),
        checkpointFile: join(config.DATA_DIR, "stream-checkpoint.json"),
        logger,
      });
      reader.start();
      drainEvents = () => reader.drain();
      // Runs before the engine stops (steps run in reverse): the last changes still get their events.
      stops.push(async () => {
        await reader.drain().finally(() => reader.stop());
        streams.destroy();
      });
    }
    if (opts.healthSchedule) {
      const schedule = startHealthSchedule(health, { periodSeconds, logger });
      stops.push(schedule.stop); // stops before the stream reader drains and the engines stop
    }
    // Behind a real identity provider (AUTH_JWKS_URL) the generated secret verifies nothing.
    const generatedSecret = !config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL;
    const authJwtSecret = config.AUTH_JWT_SECRET ?? secrets.authJwtSecret;
    return { service, proxy, health, dynamo, dynamoEndpoint, authJwtSecret, generatedSecret, eventsFile, ownsDataDir: !holder, drainEvents, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Everything `npm start` runs besides the HTTP listener. */
export async function startLocalStack(config: Config, logger: Logger = createLogger(), opts: LocalCoreOptions = {}): Promise<LocalStack> {
  const core = await startLocalCore(config, logger, { ...opts, borrowRunning: false });
  // AUTH_JWKS_URL: the same issuer settings as the stack's JWT authorizer (contract section 5).
  const auth = config.AUTH_JWKS_URL ? authOptionsFrom(config) : ({ kind: "hs256", secret: core.authJwtSecret } as const);
  const app = createApp({ service: core.service, proxy: core.proxy, authenticate: createAuthenticator(auth), logger });
  return { ...core, app, auth };
}
