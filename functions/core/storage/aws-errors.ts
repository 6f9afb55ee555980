import { serviceUnavailable } from "../errors";

const TRANSIENT = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

/** True for failures that a later retry can fix: throttling, AWS 5xx, network trouble. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; code?: string });
  const status = meta.$metadata?.httpStatusCode;
  return TRANSIENT.has(error.name) || TRANSIENT.has(meta.code ?? "") || (status !== undefined && status >= 500);
}

/** Runs a store call and turns transient AWS failures into the service's `ServiceUnavailable`. */
export async function withStoreErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransientAwsError(error)) throw serviceUnavailable("The database is temporarily unavailable", error);
    throw error;
  }
}
