import type { AppConnection } from "../../core/connections/model";
import type { Method, ServiceAppCredentials } from "./service-app";

/** The credentials of either method, as the API takes them. */
export type CredentialsBody = { instanceUrl: string; apiToken: string } | ServiceAppCredentials;

export type { AppConnection };

/** An error answer of the API (`{ reqId, statusCode, error, message, details? }`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reqId?: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export interface ValidationResult {
  valid: boolean;
  checkedAt: string;
  error?: { error: string; message: string };
}

const BASE = "/api/v1/app-connections";

/**
 * The public API with the signed-in bearer token. A 401 means the token is no longer good: the
 * caller is told (it signs the user out) and the request still fails.
 */
export function createApi(token: () => string | undefined, onUnauthorized: (message: string) => void) {
  async function request<T>(method: string, path: string, opts: { body?: unknown; ifMatch?: number } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token() ?? ""}` };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.ifMatch !== undefined) headers["If-Match"] = `"${opts.ifMatch}"`;
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: "no-store" });
    } catch {
      throw new ApiError(0, "NetworkError", "Could not reach the server. Check your connection and try again.");
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return body as T;
    const error = new ApiError(
      response.status,
      typeof body.error === "string" ? body.error : `HTTP${response.status}`,
      typeof body.message === "string" ? body.message : `The server answered ${response.status}.`,
      typeof body.reqId === "string" ? body.reqId : (response.headers.get("x-request-id") ?? undefined),
      Array.isArray(body.details) ? (body.details as { path: string; message: string }[]) : undefined,
    );
    if (response.status === 401) onUnauthorized(error.message);
    throw error;
  }

  const scopeQuery = (projectId: string | null) => (projectId === null ? "" : `projectId=${encodeURIComponent(projectId)}&`);
  const one = (id: string) => `${BASE}/okta/${encodeURIComponent(id)}`;

  return {
    options: () => request<{ appConnectionOptions: { name: string; app: string; methods: string[] }[] }>("GET", `${BASE}/options`),

    /** Every Okta connection the caller can read in that scope, following the cursor. */
    async listAll(projectId: string | null): Promise<AppConnection[]> {
      const all: AppConnection[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const query = `${scopeQuery(projectId)}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const page = await request<{ appConnections: AppConnection[]; nextCursor?: string }>("GET", `${BASE}/okta?${query}`);
        all.push(...page.appConnections);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return all;
    },

    get: (id: string) => request<{ appConnection: AppConnection }>("GET", one(id)).then((r) => r.appConnection),

    create: (body: {
      name: string;
      description?: string;
      projectId?: string;
      method?: Method;
      credentials: CredentialsBody;
    }) => request<{ appConnection: AppConnection }>("POST", `${BASE}/okta`, { body: { method: "api-token", ...body } }).then((r) => r.appConnection),

    update: (id: string, version: number, body: { name?: string; description?: string | null; credentials?: CredentialsBody; proxy?: { allow: string[] } }) =>
      request<{ appConnection: AppConnection }>("PATCH", one(id), { body, ifMatch: version }).then((r) => r.appConnection),

    remove: (id: string, version: number) => request<{ appConnection: AppConnection }>("DELETE", one(id), { ifMatch: version }),

    validate: (id: string) => request<ValidationResult>("POST", `${one(id)}/validate`),
  };
}

export type Api = ReturnType<typeof createApi>;

/** "message (request id: ...)" for errors that belong to no field. */
export const describeApiError = (error: unknown) =>
  error instanceof ApiError ? `${error.message}${error.reqId ? ` (request id: ${error.reqId})` : ""}` : "Something went wrong in the page.";
