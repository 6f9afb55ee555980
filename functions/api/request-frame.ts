import { randomUUID } from "node:crypto";
import type { Logger } from "../core/logger";
import { applySecurityHeaders } from "./security-headers";

type Fetch = (request: Request, ...rest: any[]) => Response | Promise<Response>;

// Our own id per request (never the caller's X-Request-Id: audit events quote it, so it must not
// be forgeable), made by whoever needs it first: a handler's audit line, an error body, the frame.
const ids = new WeakMap<Request, string>();

export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) ids.set(request, (id = randomUUID()));
  return id;
}

/** `to` stands for `from` from now on (a copy of the request with its body buffered). */
export function keepRequestId(from: Request, to: Request): void {
  ids.set(to, requestIdOf(from));
}

/**
 * The request frame around the whole app: the request id header, the security headers and the
 * access log line. It wraps `fetch` rather than being a middleware, so a route is the only handler
 * Hono runs for its request (Hono skips its middleware chain for a lone handler).
 */
export function framed(fetch: Fetch, logger: Logger, pathOf: (request: Request, options: { env?: unknown }) => string): Fetch {
  return async (request, ...rest) => {
    const started = performance.now();
    const response = await fetch(request, ...rest);
    const reqId = requestIdOf(request);
    const headers = response.headers;
    headers.set("x-request-id", reqId);
    applySecurityHeaders(headers);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.info("request", { reqId, method: request.method, path: pathOf(request, { env: rest[0] }), status: response.status, ms });
    return response;
  };
}
