import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import {
  invalidCredentials,
  invalidInstanceUrl,
  upstreamRateLimited,
  upstreamTimeout,
  upstreamUnavailable,
} from "../errors";
import { DEADLINES } from "../deadlines";
import { ConnectFailed, connectInTurn } from "./connect-in-turn";
import type { OktaTarget, ResolvedAddress } from "./url-guard";

/** Checks an API token against Okta. Rejects with a `DomainError`; never exposes the token. */
export interface OktaVerifier {
  verify(target: OktaTarget, apiToken: string): Promise<void>;
}

const USERS_ME = "/api/v1/users/me";
const MAX_BODY = 64 * 1024; // an error JSON is tiny; never buffer an unbounded answer
const TOKEN_SHAPE = /00[A-Za-z0-9_-]{40}/g;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Builds the verifier; `timeoutMs` (default `DEADLINES.oktaMs`) bounds connect, response and body together. */
export function createOktaVerifier(opts: { timeoutMs?: number } = {}): OktaVerifier {
  const timeoutMs = opts.timeoutMs ?? DEADLINES.oktaMs;
  return {
    async verify(target, apiToken) {
      // A CR/LF would be header injection; Node would refuse it, but say so without echoing it.
      if (!/^[\x21-\x7e]+$/.test(apiToken)) throw invalidCredentials("The API token contains invalid characters");
      const answer = await getUsersMe(target, apiToken, timeoutMs);
      interpret(answer, target.origin, apiToken);
    },
  };
}

/** Connects to each checked address in turn (only a failure to connect moves on), all within one deadline. */
async function getUsersMe(target: OktaTarget, apiToken: string, timeoutMs: number): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  const addresses = target.addresses?.length ? target.addresses : [{ address: target.address, family: target.family }];
  try {
    return await connectInTurn(addresses, (pinned) => getUsersMeAt(target, pinned, apiToken, deadline, timeoutMs));
  } catch (error) {
    if (!(error instanceof ConnectFailed)) throw error;
    throw upstreamUnavailable(`Could not reach Okta at ${target.origin} (${error.code})`, error.cause);
  }
}

function getUsersMeAt(target: OktaTarget, pinnedAddress: ResolvedAddress, apiToken: string, deadline: number, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Always hand back the address the guard checked, so a second DNS answer cannot redirect us.
    const pinned: LookupFunction = (_host, options, cb) => {
      if (options.all) cb(null, [pinnedAddress]);
      else cb(null, pinnedAddress.address, pinnedAddress.family);
    };
    let connected = false;
    const transport = target.protocol === "http:" ? http : https;
    const req = transport.request(
      {
        protocol: target.protocol,
        host: target.hostname,
        port: target.port,
        method: "GET",
        path: USERS_ME,
        headers: { Authorization: `SSWS ${apiToken}`, Accept: "application/json", "User-Agent": "okta-app-connections" },
        lookup: pinned,
        // SNI and certificate checks use the real name; SNI must not be an IP literal.
        servername: isIP(target.hostname) ? undefined : target.hostname,
        agent: false, // no pooled socket from an earlier, differently pinned call
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          clearTimers();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
          req.destroy();
        };
        res.on("data", (chunk: Buffer) => {
          if (size >= MAX_BODY) return;
          chunks.push(chunk.subarray(0, MAX_BODY - size));
          size += chunk.length;
          if (size >= MAX_BODY) finish();
        });
        res.on("end", finish);
        res.on("error", fail);
      },
    );
    const left = Math.max(0, deadline - Date.now());
    const timer = setTimeout(() => {
      reject(upstreamTimeout(`Okta did not answer within ${timeoutMs / 1000} s`));
      req.destroy();
    }, left);
    // An address that never accepts gives way to the next one before the whole deadline is spent.
    const connectTimer = setTimeout(() => {
      if (connected) return;
      clearTimers();
      reject(new ConnectFailed(pinnedAddress.address, "connect timeout"));
      req.destroy();
    }, Math.min(left, DEADLINES.oktaConnectMs));
    const clearTimers = () => (clearTimeout(timer), clearTimeout(connectTimer));
    req.on("socket", (socket) => socket.once("connect", () => (connected = true)));
    // Node system errors carry code/address/port only, never request headers, so they are safe as cause.
    function fail(err: Error) {
      clearTimers();
      const code = (err as NodeJS.ErrnoException).code ?? "network error";
      reject(connected ? upstreamUnavailable(`Could not reach Okta at ${target.origin} (${code})`, err) : new ConnectFailed(pinnedAddress.address, code, err));
    }
    req.on("error", fail);
    req.end();
  });
}

function interpret({ status, headers, body }: Answer, origin: string, apiToken: string): void {
  if (status === 200) return;
  const summary = errorSummary(body, apiToken);
  const detail = summary ? `: ${summary}` : ` (HTTP ${status})`;
  if (status === 401 || status === 403) throw invalidCredentials(`Okta rejected the API token${detail}`);
  if (status === 404 || (status >= 300 && status < 400)) {
    throw invalidInstanceUrl(`${origin} is not an Okta API endpoint (HTTP ${status} for ${USERS_ME})`);
  }
  if (status === 429) throw upstreamRateLimited(`Okta rate limit reached${detail}`, retryAfter(headers));
  if (status >= 400 && status < 500) throw invalidCredentials(`Okta refused the request${detail}`);
  throw upstreamUnavailable(`Okta at ${origin} answered HTTP ${status}`);
}

/** Okta's `errorSummary`, cleaned so that neither the token nor control characters reach a message. */
function errorSummary(body: string, apiToken: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const raw = (parsed as { errorSummary?: unknown } | null)?.errorSummary;
  if (typeof raw !== "string") return undefined;
  const clean = raw
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "") // first, so a token split by control chars is rejoined
    .split(apiToken)
    .join("[redacted]")
    .replace(TOKEN_SHAPE, "[redacted]")
    .trim()
    .slice(0, 200);
  return clean || undefined;
}

/** Seconds to wait: `Retry-After`, else `X-Rate-Limit-Reset` (epoch s) minus now, else 60. */
function retryAfter(headers: http.IncomingHttpHeaders): number {
  const retry = Number(headers["retry-after"]);
  if (headers["retry-after"] && Number.isFinite(retry)) return Math.max(1, Math.ceil(retry));
  const reset = Number(headers["x-rate-limit-reset"]);
  if (headers["x-rate-limit-reset"] && Number.isFinite(reset)) {
    return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  }
  return 60;
}
