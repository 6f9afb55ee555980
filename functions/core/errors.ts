/**
 * The one error family of the service. Domain code throws these; `functions/api/errors.ts`
 * maps each `code` to an HTTP status in one place. Messages are written for the API's user and
 * must never contain a secret (an API token, a URL's password).
 */
export type ErrorCode =
  | "Unauthorized"
  | "PermissionDenied"
  | "NotFound"
  | "ValidationFailure"
  | "InvalidInstanceUrl"
  | "InvalidCredentials"
  | "Conflict"
  | "PreconditionFailed"
  | "UpstreamRateLimited"
  | "UpstreamUnavailable"
  | "UpstreamTimeout"
  | "PayloadTooLarge"
  | "ServiceUnavailable"
  | "InternalError"
  | "AuthUnavailable";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, { cause: options?.cause });
    this.name = code;
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly details?: unknown;
  /** Sent as `Retry-After` when set (rate limits, throttling). */
  readonly retryAfterSeconds?: number;
}

export const unauthorized = (message = "A valid bearer token is required") =>
  new DomainError("Unauthorized", message);
export const permissionDenied = (message = "You are not allowed to perform this action") =>
  new DomainError("PermissionDenied", message);
export const notFound = (message = "App connection not found") => new DomainError("NotFound", message);
export const validationFailure = (message: string, details?: unknown) =>
  new DomainError("ValidationFailure", message, { details });
export const invalidInstanceUrl = (message: string) => new DomainError("InvalidInstanceUrl", message);
export const invalidCredentials = (message: string) => new DomainError("InvalidCredentials", message);
export const conflict = (message: string) => new DomainError("Conflict", message);
export const preconditionFailed = (message: string) => new DomainError("PreconditionFailed", message);
export const upstreamRateLimited = (message: string, retryAfterSeconds: number) =>
  new DomainError("UpstreamRateLimited", message, { retryAfterSeconds });
export const upstreamUnavailable = (message: string, cause?: unknown) =>
  new DomainError("UpstreamUnavailable", message, { cause });
export const upstreamTimeout = (message: string) => new DomainError("UpstreamTimeout", message);
export const serviceUnavailable = (message: string, cause?: unknown) =>
  new DomainError("ServiceUnavailable", message, { cause, retryAfterSeconds: 1 });

/** Our side is broken in a way retrying will not fix (a bug, a refused key): 500, no `Retry-After`. */
export const internalError = (message = "Something went wrong on our side", cause?: unknown) =>
  new DomainError("InternalError", message, { cause });
/** The issuer's keys could not be fetched: the token may be fine, so this is not a 401. */
export const authUnavailable = (cause?: unknown) =>
  new DomainError("AuthUnavailable", "Bearer tokens cannot be verified right now: the issuer's keys could not be fetched", {
    cause,
    retryAfterSeconds: 5,
  });

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
