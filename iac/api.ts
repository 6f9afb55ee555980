/**
 * The service's public HTTP API (CONTRACT.md sections 1, 2, 6-9), as the provider calls it: one `fetch`
 * per call, every refusal turned into one `OktaAppConnectionError` that reads like the contract's
 * `error: message`. Only globals are used (`fetch`, `URL`, `AbortSignal`), because Pulumi serializes the
 * provider's code into the stack and deserializes it in the engine's provider process.
 */

/** Where and as whom the provider calls the service. */
export interface ApiTarget {
  apiUrl: string;
  authToken: string;
}

/** The part of the API's `appConnection` the provider keeps (the API never returns a secret). */
export interface ApiConnection {
  id: string;
  name: string;
  description: string | null;
  projectId: string | null;
  version: number;
  credentialsHash: string;
  method: string;
  credentials: { instanceUrl?: string };
  /** Sections 7 and 8: present once the service has them. */
  proxy?: { allow: string[] } | null;
  health?: unknown;
}

/** A refusal of the service (or no answer from it), as the deploy output shows it: `Code: message`. */
export interface OktaAppConnectionError extends Error {
  name: "OktaAppConnectionError";
  /** The contract's `error` (`InvalidCredentials`, `PreconditionFailed`, ...), or `Unreachable`, `Timeout`, `InvalidInput`. */
  code: string;
  status?: number;
}

/**
 * A function, not a class: Pulumi's closure serializer parses the provider's code with an old
 * TypeScript parser, which fails on the class syntax today's compilers emit (static blocks).
 */
export function apiError(code: string, detail: string, status?: number): OktaAppConnectionError {
  const err = new Error(`${code}: ${detail}`) as OktaAppConnectionError;
  err.name = "OktaAppConnectionError";
  err.code = code;
  if (status !== undefined) err.status = status;
  // Pulumi prints an error's stack; the provider's own frames would only hide the message.
  err.stack = `${err.name}: ${err.message}`;
  return err;
}

export const isApiError = (err: unknown): err is OktaAppConnectionError =>
  err instanceof Error && err.name === "OktaAppConnectionError";

const BASE = "/api/v1/app-connections/okta";
/** Longer than the service's own 10 s Okta deadline, so its UpstreamTimeout arrives first. */
const TIMEOUT_MS = 30_000;

export interface CallOptions {
  body?: unknown;
  ifMatch?: number;
  /** Values that must never appear in an error message (tokens, keys), replaced by `[secret]`. */
  secrets?: string[];
}

/** One call of the API; answers the `appConnection` of the 2xx body. */
export async function callApi(target: ApiTarget, method: string, path: string, opts: CallOptions = {}): Promise<ApiConnection> {
  const url = `${apiOrigin(target.apiUrl)}${BASE}${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${target.authToken}`, accept: "application/json" };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.ifMatch !== undefined) headers["if-match"] = String(opts.ifMatch);
  const scrub = scrubber([target.authToken, ...(opts.secrets ?? [])]);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw unreachable(target.apiUrl, err, scrub);
  }
  const text = await res.text();
  const body = parseJson(text);
  if (!res.ok) throw refusal(res, body, text, scrub);
  const connection = (body as { appConnection?: ApiConnection } | undefined)?.appConnection;
  if (!connection) throw apiError("UnexpectedResponse", `${method} ${path || "/"} answered ${res.status} without an appConnection`, res.status);
  return connection;
}

/** `apiUrl` without a trailing slash; anything but an absolute http(s) URL is the user's mistake, said so. */
function apiOrigin(apiUrl: string): string {
  let url: URL | undefined;
  try {
    url = new URL(apiUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw apiError("InvalidInput", `apiUrl must be the service's http(s) URL (such as https://connections.example.com), not ${JSON.stringify(String(apiUrl))}`);
  }
  return apiUrl.replace(/\/+$/, "");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The contract's error body `{ reqId, statusCode, error, message }`, else the status and a bit of the text. */
function refusal(res: Response, body: unknown, text: string, scrub: (s: string) => string): OktaAppConnectionError {
  const b = (body ?? {}) as { error?: unknown; message?: unknown; reqId?: unknown };
  const code = typeof b.error === "string" ? b.error : `HTTP${res.status}`;
  const message = typeof b.message === "string" ? b.message : text.trim().slice(0, 200) || res.statusText || "no message";
  const reqId = typeof b.reqId === "string" ? ` (request id ${b.reqId})` : "";
  return apiError(code, scrub(message) + reqId, res.status);
}

function unreachable(apiUrl: string, err: unknown, scrub: (s: string) => string): OktaAppConnectionError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return apiError("Timeout", `no answer from ${apiUrl} within ${TIMEOUT_MS / 1000} s`);
  const why = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return apiError("Unreachable", `could not reach ${apiUrl}: ${scrub(why)}`);
}

function scrubber(secrets: string[]): (s: string) => string {
  const present = secrets.filter((s) => typeof s === "string" && s.length >= 8);
  return (s) => present.reduce((acc, secret) => acc.split(secret).join("[secret]"), s);
}

export const isNotFound = (err: unknown): boolean => isApiError(err) && err.status === 404;
export const isStale = (err: unknown): boolean => isApiError(err) && err.status === 412;
