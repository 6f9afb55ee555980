import { wireAccessParts } from "../core/compose";
import { ConfigError, loadConfig } from "../core/config";
import { createKmsClient } from "../core/crypto/kms-client";
import { AWS_SWEEP_PERIOD_S, createHealthRuntime } from "../core/health/runtime";
import { sweepDue } from "../core/health/sweep";
import { createLogger } from "../core/logger";
import { createDynamoClient } from "../core/storage/dynamo-client";
import { createDynamoStore } from "../core/storage/dynamo-store";
import { createCheckHandler, createSweepHandler } from "./handlers";
import { createSqsQueue } from "./queue";

/**
 * The health functions' bundle: `index.sweep` (the schedule's target: the due index and the queue
 * only, no key) and `index.check` (the queue's consumer). Clients are built once per container.
 */
const config = loadConfig(process.env);
const logger = createLogger();
const dynamo = () => createDynamoClient({ endpoint: config.DYNAMODB_ENDPOINT });

function sweepHandler() {
  if (!config.HEALTH_QUEUE_URL) throw new ConfigError("HEALTH_QUEUE_URL is required in AWS mode");
  const store = createDynamoStore({ client: dynamo(), tableName: config.TABLE_NAME });
  const queue = createSqsQueue({ queueUrl: config.HEALTH_QUEUE_URL, region: config.AWS_REGION ?? "us-east-1" });
  const health = { sweep: (dispatch: Parameters<typeof sweepDue>[0]["dispatch"]) => sweepDue({ store, dispatch, lookaheadSeconds: AWS_SWEEP_PERIOD_S }) };
  return createSweepHandler({ health, queue, logger });
}

function checkHandler() {
  if (!config.KMS_KEY_ID) throw new ConfigError("KMS_KEY_ID is required in AWS mode");
  const parts = wireAccessParts({
    dynamo: dynamo(),
    tableName: config.TABLE_NAME,
    kms: createKmsClient(),
    kmsKeyId: config.KMS_KEY_ID,
    oktaInsecureAllowlist: config.oktaInsecureAllowlist,
    oktaTimeoutMs: config.OKTA_TIMEOUT_MS,
    logger,
  });
  const opts = { intervalSeconds: config.HEALTH_CHECK_INTERVAL_S, concurrency: config.HEALTH_CHECK_CONCURRENCY, sweepPeriodSeconds: AWS_SWEEP_PERIOD_S, logger };
  return createCheckHandler({ health: createHealthRuntime(parts, opts), logger });
}

let sweeper: ReturnType<typeof sweepHandler> | undefined;
let checker: ReturnType<typeof checkHandler> | undefined;

export const sweep = () => (sweeper ??= sweepHandler())();
export const check: ReturnType<typeof createCheckHandler> = (event, context) => (checker ??= checkHandler())(event, context);
