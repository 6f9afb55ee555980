import { healthSettings } from "./config";
import { bus } from "./bus";
import { PROVISION_BUNDLE, lambdaCode } from "./bundle";
import { idempotencyTable } from "./idempotency";
import { key } from "./kms";
import { provisionLogGroup } from "./logs";
import { provisionPolicy } from "./permissions";
import { PROVISION_FUNCTION, provision } from "./provisioning-spec";
import { provisioningQueue } from "./queues";
import { provisionRole } from "./roles";
import { credentialsHashKey } from "./secrets";
import { table } from "./table";

/**
 * The intake: applies provisioning messages through the same domain service as the API
 * (functions/provision/lambda.ts), idempotent by requestId, and publishes their outcomes.
 */
export const provisionFunction = new sst.aws.Function(
  PROVISION_FUNCTION,
  {
    description: "Okta App Connections provisioning intake (SQS)",
    ...lambdaCode(PROVISION_BUNDLE),
    memory: provision.memory,
    timeout: `${provision.timeoutSeconds} seconds`,
    role: provisionRole.arn,
    logging: { logGroup: provisionLogGroup.name },
    environment: {
      TABLE_NAME: table.name,
      IDEMPOTENCY_TABLE_NAME: idempotencyTable.name,
      KMS_KEY_ID: key.arn,
      EVENT_BUS_NAME: bus.name,
      CREDENTIALS_HASH_KEY: credentialsHashKey.result,
      ...healthSettings,
    },
  },
  // The function never runs without its permissions (nor does its event source mapping get created).
  { dependsOn: [provisionPolicy] },
);

/**
 * Partial batch responses: one transient failure retries only its own message. The mapping's
 * maximum concurrency caps the load on Okta without reserving account concurrency.
 */
export const provisionSubscription = provisioningQueue.subscribe(provisionFunction.arn, {
  batch: { size: provision.batchSize, window: `${provision.batchWindowSeconds} seconds`, partialResponses: true },
  transform: {
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: provision.maximumConcurrency };
    },
  },
});
