import type { CheckResult } from "../connections/check";
import type { ConnectionHealth } from "../connections/model";
import { isoTime } from "../iso-time";

/** Okta's passing moods: throttled, down or slow says nothing about the credentials (section 8). */
export const TRANSIENT_CODES = new Set(["UpstreamRateLimited", "UpstreamUnavailable", "UpstreamTimeout"]);

export const isTransient = (result: CheckResult) => !result.valid && TRANSIENT_CODES.has(result.error.error);

/**
 * The health after a check. A pass is healthy; a refusal of the credentials or of the URL is
 * unhealthy; a transient failure keeps `status` and only counts as a check with an error.
 */
export function nextHealth(previous: ConnectionHealth, result: CheckResult): ConnectionHealth {
  if (result.valid) {
    return { status: "healthy", checkedAt: result.checkedAt, lastHealthyAt: result.checkedAt, consecutiveFailures: 0, error: null };
  }
  const failed = { checkedAt: result.checkedAt, consecutiveFailures: previous.consecutiveFailures + 1, error: { ...result.error } };
  if (isTransient(result)) return { ...previous, ...failed };
  return { ...previous, ...failed, status: "unhealthy" };
}

/** First retry of a transient failure after this long, doubling per failure, never past the interval. */
const RETRY_BASE_S = 300;

/**
 * When the next check is due. Normally one interval after this one; after a transient failure
 * sooner (backoff, but never before Okta's `Retry-After`), so a blip does not leave a day's gap.
 */
export function nextCheckAt(result: CheckResult, health: ConnectionHealth, intervalSeconds: number, retryAfterSeconds = 0): string {
  const checkedAt = Date.parse(result.checkedAt);
  let wait = intervalSeconds;
  if (isTransient(result)) {
    const backoff = RETRY_BASE_S * 2 ** Math.min(health.consecutiveFailures - 1, 10);
    wait = Math.min(intervalSeconds, Math.max(backoff, retryAfterSeconds));
  }
  return isoTime(checkedAt + wait * 1000);
}

/** A just-proven connection's next check: one interval after `at`. */
export const firstCheckAt = (at: string, intervalSeconds: number) => isoTime(Date.parse(at) + intervalSeconds * 1000);
