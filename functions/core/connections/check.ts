import { LegacySecretError, SecretUnreadableError } from "../crypto/secret-errors";
import { isDomainError } from "../errors";
import type { OktaAccess } from "../okta/access";
import type { RateLimit, SendGate } from "../okta/transport";
import type { CheckedConnection } from "./model";

/** Okta's verdict on a stored connection (contract section 4): data, not an error. */
export type CheckResult =
  | { valid: true; checkedAt: string }
  | { valid: false; checkedAt: string; error: { error: string; message: string } };

/** The codes a check can end in; the last three are transient (section 8 leaves `status` as it was). */
export const CHECK_OUTCOMES = new Set(["InvalidCredentials", "InvalidInstanceUrl", "UpstreamRateLimited", "UpstreamUnavailable", "UpstreamTimeout"]);

/** Why stored credentials cannot be used, in words that tell the user what to do. */
const unreadableMessage = (error: SecretUnreadableError) =>
  error instanceof LegacySecretError
    ? "The stored credentials were sealed under an earlier encryption context and are no longer opened; set new credentials"
    : "The stored credentials could not be decrypted for this connection; set new credentials";

/** A check and what Okta said about its rate limit. */
export interface CheckReport {
  result: CheckResult;
  rateLimit?: RateLimit;
  retryAfterSeconds?: number;
}

/**
 * Proves a stored connection's credentials against Okta now, whatever its method: what
 * `POST /validate` answers and what the scheduled health check records, with what Okta said about
 * its rate limit (the headers of a pass, the `Retry-After` of a 429). Failures of the service
 * itself (database, KMS) are thrown, not reported as the connection's fault.
 * `gate`: see OktaAccess.check; what its `wait` throws is thrown.
 */
export async function checkConnectionReport(okta: OktaAccess, record: CheckedConnection, now: () => string, gate?: SendGate): Promise<CheckReport> {
  try {
    const rateLimit = await okta.check(record, gate);
    return { result: { valid: true, checkedAt: now() }, ...(rateLimit ? { rateLimit } : {}) };
  } catch (error) {
    if (error instanceof SecretUnreadableError) {
      return { result: { valid: false, checkedAt: now(), error: { error: "InvalidCredentials", message: unreadableMessage(error) } } };
    }
    if (isDomainError(error) && CHECK_OUTCOMES.has(error.code)) {
      const result: CheckResult = { valid: false, checkedAt: now(), error: { error: error.code, message: error.message } };
      return { result, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) };
    }
    throw error;
  }
}
