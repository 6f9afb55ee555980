/**
 * The deadline of every outside call, as plain data with no imports: the code builds its DNS
 * guard, Okta client and AWS SDK clients from it, the stack sizes its Lambda timeouts from it, and
 * `npm run check:infra` asserts each Lambda's timeout sits above the worst case it adds up to.
 */
export const DEADLINES = {
  /** The URL guard's DNS lookup; a slower answer is `UpstreamTimeout`. */
  dnsMs: 2_000,
  /** One call to Okta (connect, answer and body, every address tried included); the contract's 10 s. */
  oktaMs: 10_000,
  /** Connecting to one of Okta's addresses; past it the next checked address is tried (within `oktaMs`). */
  oktaConnectMs: 3_000,
  /**
   * Fetching the issuer's JWKS in AWS mode (a cold container's first request): jose's own default,
   * counted here so the API's timeout covers it; the authenticator should pass this as `timeoutDuration`.
   */
  jwksMs: 5_000,
  /** Every DynamoDB, KMS and EventBridge client. */
  aws: {
    /** TCP (and TLS) connect. */
    connectionTimeoutMs: 500,
    /** The whole attempt, from its start (connect included); past it the SDK aborts the attempt (`TimeoutError`). */
    requestTimeoutMs: 1_000,
    /** The SDK's attempts per call, the first included. */
    maxAttempts: 2,
  },
  /** The EventBridge publisher's own tries of refused entries (each an SDK call) and its first backoff. */
  publish: { attempts: 3, baseDelayMs: 100, entriesPerCall: 10 },
} as const;

/**
 * The SDK's standard retry waits a random time below min(base × 2^retry, 20 s) before each retry;
 * throttling has the largest base (1 s), so that is the bound.
 */
const SDK_THROTTLING_DELAY_BASE_MS = 1_000;
const SDK_MAX_DELAY_MS = 20_000;

/**
 * The longest one AWS SDK call can take: every attempt to its deadline, with the longest backoffs
 * between. The SDK starts an attempt's request timer together with its connect timer, so an
 * attempt ends by the larger of the two.
 */
export function awsCallWorstMs(aws: { connectionTimeoutMs: number; requestTimeoutMs: number; maxAttempts: number } = DEADLINES.aws): number {
  let backoff = 0;
  for (let retry = 0; retry < aws.maxAttempts - 1; retry++) backoff += Math.min(SDK_THROTTLING_DELAY_BASE_MS * 2 ** retry, SDK_MAX_DELAY_MS);
  return aws.maxAttempts * Math.max(aws.connectionTimeoutMs, aws.requestTimeoutMs) + backoff;
}

/** The outside calls one unit of work makes at most, one after another. */
export interface CallPlan {
  dns: number;
  okta: number;
  jwks?: number;
  /** AWS SDK calls (DynamoDB, KMS, EventBridge alike). */
  aws: number;
  /** Fixed waits of our own (the publisher's backoff). */
  waitMs?: number;
}

/** The longest path of each Lambda's unit of work (counted from the code; see docs/deploy.md, "Deadlines"). */
export const WORST_PATHS = {
  /**
   * Update with new credentials and a rename, on a cold container: the JWKS, then GetItem, GetItem
   * (name free?), GenerateDataKey, TransactWriteItems.
   */
  api: { jwks: 1, dns: 1, okta: 1, aws: 4 },
  /**
   * One provisioning message: idempotency PutItem, lock GetItem, record GetItem, watermark GetItem, GenerateDataKey,
   * TransactWriteItems, idempotency UpdateItem, then its outcome event (PutEvents, up to 3 tries with backoff).
   */
  provisionMessage: { dns: 1, okta: 1, aws: 7 + DEADLINES.publish.attempts, waitMs: 3 * DEADLINES.publish.baseDelayMs },
  /** Publishing one chunk of change events (up to 10 per PutEvents call, up to 3 tries). */
  changeEventsChunk: { dns: 0, okta: 0, aws: DEADLINES.publish.attempts, waitMs: 3 * DEADLINES.publish.baseDelayMs },
} as const satisfies Record<string, CallPlan>;

/** The sum of a path's deadlines: what a Lambda's timeout must exceed. */
export function worstCaseMs(plan: CallPlan, deadlines: { dnsMs: number; oktaMs: number; jwksMs: number } = DEADLINES): number {
  const outside = plan.dns * deadlines.dnsMs + plan.okta * deadlines.oktaMs + (plan.jwks ?? 0) * deadlines.jwksMs;
  return outside + plan.aws * awsCallWorstMs() + (plan.waitMs ?? 0);
}
