import { DEADLINES } from "./deadlines";

/** Connect and attempt deadlines plus the SDK's attempts per call. */
export interface AwsDeadlines {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

/**
 * Local engines (DynamoDB Local, the local KMS endpoint) share a developer's machine with
 * everything else and can stall for seconds while the JVM warms up: they get room. AWS gets
 * `DEADLINES.aws`, which the Lambda timeouts are sized from.
 */
export const LOCAL_ENGINE_DEADLINES: AwsDeadlines = { connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000, maxAttempts: 3 };

/** What every AWS SDK client of the service is built from. */
export interface AwsClientOptions {
  /** A local engine (DynamoDB Local, the local KMS endpoint); unset in AWS. */
  endpoint?: string;
  region?: string;
  /** The SDK's retry budget (default: that of the deadlines). */
  maxAttempts?: number;
  /** Default: `DEADLINES.aws` in AWS, `LOCAL_ENGINE_DEADLINES` with a local endpoint. */
  deadlines?: AwsDeadlines;
}

/**
 * SDK client config. Every client has a connect timeout and a whole-attempt deadline
 * (`throwOnRequestTimeout`: without it the SDK only warns and keeps waiting), so a silent endpoint
 * costs a bounded time, then a `TimeoutError` the service answers as 503. A local endpoint gets a
 * fixed region and dummy credentials, so a developer's real AWS credentials are never picked up,
 * needed, or used to sign local traffic. Without one, the default credential chain and region apply.
 */
export function awsClientConfig({ endpoint, region, maxAttempts, deadlines }: AwsClientOptions = {}) {
  const limits = deadlines ?? (endpoint ? LOCAL_ENGINE_DEADLINES : DEADLINES.aws);
  const base = {
    maxAttempts: maxAttempts ?? limits.maxAttempts,
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
  if (!endpoint) return { ...base, ...(region ? { region } : {}) };
  return { ...base, endpoint, region: region ?? "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
}
