/** What every AWS SDK client of the service is built from. */
export interface AwsClientOptions {
  /** A local engine (DynamoDB Local, the local KMS endpoint); unset in AWS. */
  endpoint?: string;
  region?: string;
  /** The SDK's retry budget (default 3). */
  maxAttempts?: number;
}

/**
 * SDK client config. A local endpoint gets a fixed region and dummy credentials, so a developer's
 * real AWS credentials are never picked up, needed, or used to sign local traffic. Without one,
 * the SDK's default credential chain and region apply, as on Lambda.
 */
export function awsClientConfig({ endpoint, region, maxAttempts }: AwsClientOptions = {}) {
  const retries = maxAttempts ? { maxAttempts } : {};
  if (!endpoint) return { ...retries, ...(region ? { region } : {}) };
  return { ...retries, endpoint, region: region ?? "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
}
