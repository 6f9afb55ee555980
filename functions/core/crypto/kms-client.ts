/**
 * The one place that builds a `KMSClient`, so local runs and AWS differ only by configuration.
 */
import { KMSClient } from "@aws-sdk/client-kms";

/**
 * Creates a `KMSClient`.
 *
 * - With `endpoint` (the local KMS from `local-kms.ts`): region `us-east-1` unless given, and static
 *   dummy credentials. The local endpoint ignores signatures, and the dummy pair keeps the SDK from
 *   walking the default credential chain (and from signing local traffic with real credentials).
 * - Without `endpoint`: the SDK's default credential chain and region (`AWS_REGION` etc.), as on Lambda.
 *
 * `maxAttempts` overrides the SDK's retry budget (default 3), e.g. 1 in tests of an unreachable KMS.
 */
export function createKmsClient(opts: { endpoint?: string; region?: string; maxAttempts?: number } = {}): KMSClient {
  const { endpoint, region, maxAttempts } = opts;
  const retries = maxAttempts ? { maxAttempts } : {};
  if (endpoint) {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    return new KMSClient({ ...retries, endpoint, region: region ?? "us-east-1", credentials });
  }
  return new KMSClient({ ...retries, ...(region ? { region } : {}) });
}
