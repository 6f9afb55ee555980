import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake saw of one request. */
export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The request body as received ("" when none). */
  body: string;
  /** When it arrived (epoch ms). */
  at: number;
}

/** A scripted answer; `delayMs` holds the response back (timeout tests). */
export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
  /** Cut the connection instead of answering (a reset). */
  reset?: boolean;
}

/** A fake Okta org on 127.0.0.1 that answers `GET /api/v1/users/me` like Okta does. */
export interface FakeOkta {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`, ready for `OKTA_INSECURE_ALLOWLIST`. */
  hostPort: string;
  requests: FakeRequest[];
  validTokens: Set<string>;
  /** Overrides every answer; `null` restores the default Okta behaviour. */
  respondWith(fn: ((req: FakeRequest) => FakeResponse) | null): void;
  /** Scripts a resource route, `"METHOD /path"` (compared without the query); `null` removes it. */
  route(key: string, fn: ((req: FakeRequest) => FakeResponse) | null): void;
  /** The default Okta answer to `req` (for overrides that only add a delay or headers). */
  standard(req: FakeRequest): FakeResponse;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight(): number;
  maxInFlight(): number;
  close(): Promise<void>;
}

/** A deterministic token of Okta's shape (`^00[A-Za-z0-9_-]{40}$`) for a seed. */
export const sampleToken = (seed: number | string): string =>
  `00${createHash("sha256").update(`fake-okta:${seed}`).digest("base64url").slice(0, 40)}`;

function defaultAnswer(req: FakeRequest, validTokens: Set<string>): FakeResponse {
  if (req.method !== "GET" || req.path !== "/api/v1/users/me") {
    return { status: 404, body: { errorCode: "E0000007", errorSummary: `Not found: Resource not found: ${req.path}` } };
  }
  const auth = req.headers["authorization"];
  const token = typeof auth === "string" && auth.startsWith("SSWS ") ? auth.slice(5) : undefined;
  if (token && validTokens.has(token)) {
    return {
      status: 200,
      body: { id: "00u1fakeuser", status: "ACTIVE", profile: { login: "admin@example.com", email: "admin@example.com" } },
    };
  }
  return {
    status: 401,
    body: { errorCode: "E0000011", errorSummary: "Invalid token provided", errorLink: "E0000011", errorId: "oae-fake", errorCauses: [] },
  };
}

/** Starts the fake on an ephemeral loopback port. */
export async function startFakeOkta(): Promise<FakeOkta> {
  const requests: FakeRequest[] = [];
  const validTokens = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let override: ((req: FakeRequest) => FakeResponse) | null = null;
  const routes = new Map<string, (req: FakeRequest) => FakeResponse>();
  const answerFor = (seen: FakeRequest) => {
    const scripted = routes.get(`${seen.method} ${seen.path.split("?")[0]}`);
    return override ? override(seen) : scripted ? scripted(seen) : defaultAnswer(seen, validTokens);
  };
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer(async (req, res) => {
    const at = Date.now();
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once("close", () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: FakeRequest = { method: req.method ?? "", path: req.url ?? "", headers: { ...req.headers }, body: Buffer.concat(chunks).toString("utf8"), at };
    requests.push(seen);
    const answer = answerFor(seen);
    if (answer.reset) return void req.socket.resetAndDestroy();
    const send = () => {
      const body = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
      res.end(body);
    };
    if (!answer.delayMs) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) send();
    }, answer.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    validTokens,
    respondWith(fn) {
      override = fn;
    },
    route(key, fn) {
      if (fn) routes.set(key, fn);
      else routes.delete(key);
    },
    standard: (req) => defaultAnswer(req, validTokens),
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections(); // held (delayed) responses must not keep the server open
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
