import type { Context } from "hono";
import { DomainError, internalError, type ErrorCode } from "../core/errors";
import { describeError, type Logger } from "../core/logger";
import { requestIdOf } from "./request-frame";

/** The one map from the error family to HTTP (contract section 2). */
export const STATUS_OF: Record<ErrorCode, number> = {
  Unauthorized: 401,
  PermissionDenied: 403,
  NotFound: 404,
  ValidationFailure: 422,
  InvalidInstanceUrl: 400,
  InvalidCredentials: 400,
  Conflict: 409,
  PreconditionFailed: 412,
  UpstreamRateLimited: 429,
  UpstreamUnavailable: 502,
  UpstreamTimeout: 504,
  UpstreamResponseTooLarge: 502,
  PayloadTooLarge: 413,
  ServiceUnavailable: 503,
  InternalError: 500,
  AuthUnavailable: 503,
};

export interface ErrorBody {
  reqId: string;
  statusCode: number;
  error: ErrorCode;
  message: string;
  details?: unknown;
}

/** Renders any thrown value as the contract's envelope; unknown errors become a bare 500. */
export function errorResponse(c: Context, error: unknown, logger: Logger): Response {
  const reqId = requestIdOf(c.req.raw);
  const known = error instanceof DomainError;
  const domain = known ? error : internalError();
  const statusCode = STATUS_OF[domain.code];
  if (!known || statusCode >= 500) logger.error("request failed", { reqId, status: statusCode, ...describeError(error) });
  const body: ErrorBody = { reqId, statusCode, error: domain.code, message: domain.message };
  if (domain.details !== undefined) body.details = domain.details;
  const headers: Record<string, string> = {};
  if (domain.retryAfterSeconds !== undefined) headers["Retry-After"] = String(domain.retryAfterSeconds);
  return c.json(body, statusCode as 400, headers);
}
