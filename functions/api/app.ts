import { Hono } from "hono";
import { getPathNoStrict } from "hono/utils/url";
import type { ConnectionService } from "../core/connections/service";
import type { OktaProxy } from "../core/proxy/proxy";
import { notFound } from "../core/errors";
import type { Logger } from "../core/logger";
import { registerDocs } from "./docs";
import type { Authenticate } from "./claims";
import { errorResponse, STATUS_OF } from "./errors";
import { createRouter } from "./router";
import { registerAuditRoutes } from "./routes/audit";
import { registerConnectionRoutes } from "./routes/connections";
import { isRawProxyTarget, registerProxyRoutes } from "./routes/proxy";
import { rawTargetOf } from "./raw-target";
import { framed } from "./request-frame";
import { registerConsole } from "../console";

export interface AppDeps {
  service: ConnectionService;
  /** The Okta API proxy (contract section 7). */
  proxy: OktaProxy;
  authenticate: Authenticate;
  logger: Logger;
}

/**
 * Routing path of a request: a trailing slash is optional (non-strict), and a proxied call is
 * routed on its RAW target, so `.../proxy/api/v1/../../x` reaches the proxy's path check (a 422)
 * instead of resolving to another route first.
 */
function routingPath(request: Request, options?: { env?: unknown }): string {
  const raw = rawTargetOf(request, options?.env);
  if (isRawProxyTarget(raw)) return raw.split("?")[0]!;
  return getPathNoStrict(request);
}

/**
 * The whole HTTP surface as one Hono app. Entry points (Lambda, local server) only adapt events
 * to it. Order per request: authentication, body size, then the route's own checks (router.ts);
 * the request frame (request-frame.ts) wraps them all.
 */
export function createApp(deps: AppDeps) {
  const app = new Hono({ getPath: routingPath });
  const { logger } = deps;

  app.onError((error, c) => errorResponse(c, error, logger));
  app.notFound((c) => errorResponse(c, notFound("No such route"), logger));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  const router = createRouter(app, deps.authenticate);
  registerConnectionRoutes(router, deps.service);
  registerAuditRoutes(router, deps.service);
  registerProxyRoutes(router, deps.proxy);

  // Loaded and built on first use (a chunk of its own in the Lambda bundle): a cold Lambda serves
  // API requests without loading the JSON Schema generator or the console.
  let openApi: Promise<object> | undefined;
  app.get("/openapi.json", async (c) => c.json(await (openApi ??= import("./openapi").then((m) => m.buildOpenApi(router.specs, Object.values(STATUS_OF))))));
  registerDocs(app);
  registerConsole(app);

  const dispatch = framed(app.fetch, logger, routingPath);
  // Hono's trie router looks the method up on plain objects: a method named `__proto__` or
  // `constructor` crashed it (500) and wrote `params` onto Object.prototype, breaking every later
  // error response. Other methods are routed as one that matches no route (404, like `FOO`).
  app.fetch = (request, ...rest) =>
    STANDARD_METHODS.has(request.method)
      ? dispatch(request, ...rest)
      : dispatch(new Request(request.url, { method: "UNROUTABLE", headers: request.headers }), ...rest);

  return app;
}

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Every `METHOD path` the app serves; the infra check compares API Gateway's routes against it. */
export const routeList = (app: ReturnType<typeof createApp>) =>
  [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))];
