import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { createEventBridgePublisher } from "./eventbridge";
import { createEventBridgeClient } from "./eventbridge-client";
import { createStreamHandler } from "./stream-handler";

/** DynamoDB stream entry point (ReportBatchItemFailures on): table changes → EventBridge. */
const config = loadConfig(process.env);
if (!config.EVENT_BUS_NAME) throw new ConfigError("EVENT_BUS_NAME is required in AWS mode");

export const handler = createStreamHandler({
  publisher: createEventBridgePublisher({ client: createEventBridgeClient(), busName: config.EVENT_BUS_NAME }),
  logger: createLogger(),
});
