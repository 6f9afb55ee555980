import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { upstreamTimeout, upstreamUnavailable } from "../errors";
import { DEADLINES } from "../deadlines";
import { ConnectFailed, connectInTurn } from "./connect-in-turn";
import type { OktaTarget, ResolvedAddress } from "./url-guard";

/** One request to an Okta org. `path` is absolute and may carry a query (`/api/v1/users?limit=2`). */
export interface OktaRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Okta's answer. `tooLarge` is set (and `body` cut at the limit) when the body outgrew `maxBytes`. */
export interface OktaAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  tooLarge: boolean;
}

export interface TransportOptions {
  /** Bounds connect, response and body together (of the attempt that is sent). */
  timeoutMs: number;
  /** Reading stops (and the socket is dropped) past this many bytes. */
  maxBytes: number;
  /** Holds the request back while the org may not be called (the health checks' Retry-After windows). */
  gate?: SendGate;
}

/**
 * When a request may leave. `wait` is awaited before connecting (and may throw to give up);
 * `isOpen` is asked once more when the connection is ready, right before the request is written:
 * a window another request's 429 opened meanwhile is honoured, and the unused socket is dropped.
 */
export interface SendGate {
  wait(): Promise<void>;
  isOpen(): boolean;
}

/** The gate closed while the attempt connected: nothing was sent. */
const HELD = Symbol("held");

const USER_AGENT = "okta-app-connections";

/**
 * The only way the service talks to Okta: to the addresses the URL guard checked (pinned against
 * DNS rebinding, tried in turn while one refuses to connect), with TLS checked against the real host
 * name, never following redirects (Node's http client does not), with one deadline for the whole
 * exchange and a cap on what is read. Rejects with `UpstreamTimeout` or `UpstreamUnavailable`;
 * never echoes request headers.
 */
export async function sendToOkta(target: OktaTarget, request: OktaRequest, opts: TransportOptions): Promise<OktaAnswer> {
  const addresses = target.addresses?.length ? target.addresses : [{ address: target.address, family: target.family }];
  try {
    for (;;) {
      await opts.gate?.wait();
      const deadline = Date.now() + opts.timeoutMs;
      const answer = await connectInTurn(addresses, (pinned) => sendTo(target, pinned, request, opts, deadline));
      if (answer !== HELD) return answer;
    }
  } catch (error) {
    if (!(error instanceof ConnectFailed)) throw error;
    throw upstreamUnavailable(`Could not reach Okta at ${target.origin} (${error.code})`, error.cause);
  }
}

function sendTo(target: OktaTarget, pinnedAddress: ResolvedAddress, request: OktaRequest, opts: TransportOptions, deadline: number): Promise<OktaAnswer | typeof HELD> {
  return new Promise((resolve, reject) => {
    // Always hand back the address the guard checked, so a second DNS answer cannot redirect us.
    const pinned: LookupFunction = (_host, options, cb) => {
      if (options.all) cb(null, [pinnedAddress]);
      else cb(null, pinnedAddress.address, pinnedAddress.family);
    };
    let connected = false;
    const gate = opts.gate;
    const transport = target.protocol === "http:" ? http : https;
    const req = transport.request(
      {
        protocol: target.protocol,
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        headers: { "User-Agent": USER_AGENT, ...request.headers },
        lookup: pinned,
        // SNI and certificate checks use the real name; SNI must not be an IP literal.
        servername: isIP(target.hostname) ? undefined : target.hostname,
        agent: false, // no pooled socket from an earlier, differently pinned call
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (tooLarge: boolean) => {
          clearTimers();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), tooLarge });
          // Only a cut answer needs its socket dropped; an ended one closes by itself (no agent: Connection: close).
          if (tooLarge) req.destroy();
        };
        res.on("data", (chunk: Buffer) => {
          if (size + chunk.length > opts.maxBytes) {
            chunks.push(chunk.subarray(0, opts.maxBytes - size));
            size = opts.maxBytes;
            return finish(true);
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => finish(false));
        res.on("error", fail);
      },
    );
    // One timer at a time (this is every Okta call's path): first the connect deadline, then, once
    // connected, the rest of the whole exchange's. An address that never accepts gives way to the
    // next one before the whole deadline is spent.
    const left = Math.max(0, deadline - Date.now());
    const connectMs = Math.min(left, DEADLINES.oktaConnectMs);
    const timedOut = () => {
      reject(upstreamTimeout(`Okta did not answer within ${opts.timeoutMs / 1000} s`));
      req.destroy();
    };
    let timer = setTimeout(() => {
      if (connectMs >= left) return timedOut();
      if (connected) {
        timer = setTimeout(timedOut, left - connectMs);
        return;
      }
      reject(new ConnectFailed(pinnedAddress.address, "connect timeout"));
      req.destroy();
    }, connectMs);
    const clearTimers = () => clearTimeout(timer);
    req.on("socket", (socket) => {
      socket.once("connect", () => (connected = true));
      if (!gate) return;
      // Written only once the connection is ready, and a turn of the event loop later: answers that
      // arrived meanwhile (another request's 429) are read first, so their window is already set.
      socket.once(target.protocol === "https:" ? "secureConnect" : "connect", () =>
        setImmediate(() => {
          if (gate.isOpen()) return void req.end(request.body);
          clearTimers();
          resolve(HELD);
          req.destroy();
        }),
      );
    });
    // Node system errors carry code/address/port only, never request headers, so they are safe as cause.
    function fail(err: Error) {
      clearTimers();
      const code = (err as NodeJS.ErrnoException).code ?? "network error";
      reject(connected ? upstreamUnavailable(`Could not reach Okta at ${target.origin} (${code})`, err) : new ConnectFailed(pinnedAddress.address, code, err));
    }
    req.on("error", fail);
    if (!gate) req.end(request.body);
  });
}

/** Seconds to wait after a 429: `Retry-After`, else `X-Rate-Limit-Reset` (epoch s) minus now, else 60. */
export function retryAfterSeconds(headers: http.IncomingHttpHeaders, nowMs = Date.now()): number {
  const retry = Number(headers["retry-after"]);
  if (headers["retry-after"] && Number.isFinite(retry)) return Math.max(1, Math.ceil(retry));
  const reset = Number(headers["x-rate-limit-reset"]);
  if (headers["x-rate-limit-reset"] && Number.isFinite(reset)) return Math.max(1, Math.ceil(reset - nowMs / 1000));
  return 60;
}

/** Okta's rate-limit headers of one answer (`resetAt`: epoch seconds), when it sent them. */
export interface RateLimit {
  limit: number;
  remaining: number;
  resetAt: number;
}

export function rateLimitOf(headers: http.IncomingHttpHeaders): RateLimit | undefined {
  const [limit, remaining, resetAt] = ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"].map((name) => Number(headers[name] ?? NaN));
  return [limit, remaining, resetAt].every((n) => Number.isFinite(n)) ? { limit: limit!, remaining: remaining!, resetAt: resetAt! } : undefined;
}
