import type http from "node:http";
import { DEADLINES } from "../deadlines";
import { invalidCredentials, invalidInstanceUrl, upstreamRateLimited, upstreamUnavailable } from "../errors";
import type { OktaCredentials, OktaMethod } from "./access";
import { rateLimitOf, retryAfterSeconds, sendToOkta, type RateLimit } from "./transport";
import type { OktaTarget } from "./url-guard";

type ApiTokenCredentials = Extract<OktaCredentials, { method: "api-token" }>;

const USERS_ME = "/api/v1/users/me";
const MAX_BODY = 64 * 1024; // an error JSON is tiny; never buffer an unbounded answer
const TOKEN_SHAPE = /00[A-Za-z0-9_-]{40}/g;

/**
 * The `api-token` method (contract section 4): `Authorization: SSWS <token>`, proven by
 * `GET /api/v1/users/me`. Rejects with a `DomainError`; never exposes the token.
 */
export function createApiTokenMethod(opts: { timeoutMs?: number } = {}): OktaMethod<ApiTokenCredentials> {
  const timeoutMs = opts.timeoutMs ?? DEADLINES.oktaMs;
  const authorization = (apiToken: string) => {
    // A CR/LF would be header injection; Node would refuse it, but say so without echoing it.
    if (!/^[\x21-\x7e]+$/.test(apiToken)) throw invalidCredentials("The API token contains invalid characters");
    return { Authorization: `SSWS ${apiToken}` };
  };
  return {
    async verify(target, { apiToken }, gate): Promise<RateLimit | undefined> {
      const headers = { ...authorization(apiToken), Accept: "application/json" };
      const answer = await sendToOkta(target, { method: "GET", path: USERS_ME, headers }, { timeoutMs, maxBytes: MAX_BODY, gate });
      interpret(answer, target, apiToken);
      return rateLimitOf(answer.headers);
    },
    async authorize(_target, { apiToken }) {
      return authorization(apiToken);
    },
  };
}

function interpret(answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }, target: OktaTarget, apiToken: string): void {
  const { status, headers } = answer;
  if (status === 200) return;
  const summary = errorSummary(answer.body.toString("utf8"), apiToken);
  const detail = summary ? `: ${summary}` : ` (HTTP ${status})`;
  if (status === 401 || status === 403) throw invalidCredentials(`Okta rejected the API token${detail}`);
  if (status === 404 || (status >= 300 && status < 400)) {
    throw invalidInstanceUrl(`${target.origin} is not an Okta API endpoint (HTTP ${status} for ${USERS_ME})`);
  }
  if (status === 429) throw upstreamRateLimited(`Okta rate limit reached${detail}`, retryAfterSeconds(headers));
  if (status >= 400 && status < 500) throw invalidCredentials(`Okta refused the request${detail}`);
  throw upstreamUnavailable(`Okta at ${target.origin} answered HTTP ${status}`);
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
