import type { ConnectionService } from "../../core/connections/service";
import { createConnectionSchema, updateConnectionSchema } from "../../core/connections/schemas";
import type { Router } from "../router";
import { connectionIdParamSchema, connectionListQuerySchema, connectionNameParamSchema, projectQuerySchema } from "../schemas";

const BASE = "/api/v1/app-connections";
const TAG = "App Connections";

/** `{ appConnections, nextCursor? }`: the cursor key only appears when a next page exists. */
const listBody = <T>(page: { items: T[]; nextCursor?: string }) =>
  page.nextCursor === undefined ? { appConnections: page.items } : { appConnections: page.items, nextCursor: page.nextCursor };

/** Infisical's `/api/v1/app-connections` surface for Okta (contract section 1). */
export function registerConnectionRoutes(router: Router, service: ConnectionService) {
  const route = { tag: TAG };

  router.add({ ...route, method: "get", path: `${BASE}/options`, summary: "Apps and methods offered", response: "options" }, async () => ({
    appConnectionOptions: [{ name: "Okta", app: "okta", methods: ["api-token", "client-credentials"] }],
  }));

  router.add(
    { ...route, method: "get", path: BASE, summary: "List connections of every app in scope", query: connectionListQuerySchema, response: "connections" },
    async ({ query, ctx }) => listBody(await service.list(ctx, query)),
  );

  router.add(
    { ...route, method: "post", path: `${BASE}/okta`, summary: "Create an Okta connection (validates the token with Okta first)", body: createConnectionSchema, response: "connection" },
    async ({ body, ctx }) => ({ appConnection: await service.create(ctx, body) }),
  );

  router.add(
    { ...route, method: "get", path: `${BASE}/okta`, summary: "List Okta connections", query: connectionListQuerySchema, response: "connections" },
    async ({ query, ctx }) => listBody(await service.list(ctx, query)),
  );

  router.add(
    {
      ...route,
      method: "get",
      path: `${BASE}/okta/available`,
      summary: "Org-level connections plus the project's, as ids and names",
      query: connectionListQuerySchema,
      response: "available",
    },
    async ({ query, ctx }) => listBody(await service.available(ctx, query)),
  );

  router.add(
    {
      ...route,
      method: "get",
      path: `${BASE}/okta/connection-name/:connectionName`,
      summary: "Get an Okta connection by name (org-level without projectId)",
      params: connectionNameParamSchema,
      query: projectQuerySchema,
      response: "connection",
    },
    async ({ params, query, ctx }) => ({ appConnection: await service.getByName(ctx, query.projectId ?? null, params.connectionName) }),
  );

  router.add(
    { ...route, method: "get", path: `${BASE}/okta/:connectionId`, summary: "Get an Okta connection", params: connectionIdParamSchema, response: "connection" },
    async ({ params, ctx }) => ({ appConnection: await service.get(ctx, params.connectionId) }),
  );

  router.add(
    {
      ...route,
      method: "patch",
      path: `${BASE}/okta/:connectionId`,
      summary: "Update name, description or credentials (If-Match: version)",
      params: connectionIdParamSchema,
      body: updateConnectionSchema,
      ifMatch: true,
      response: "connection",
    },
    async ({ params, body, ifMatch, ctx }) => ({ appConnection: await service.update(ctx, params.connectionId, body, ifMatch) }),
  );

  router.add(
    { ...route, method: "delete", path: `${BASE}/okta/:connectionId`, summary: "Delete an Okta connection", params: connectionIdParamSchema, ifMatch: true, response: "connection" },
    async ({ params, ifMatch, ctx }) => ({ appConnection: await service.remove(ctx, params.connectionId, ifMatch) }),
  );

  router.add(
    {
      ...route,
      method: "post",
      path: `${BASE}/okta/:connectionId/validate`,
      summary: "Check the stored credentials against Okta now",
      params: connectionIdParamSchema,
      response: "validation",
    },
    async ({ params, ctx }) => service.validate(ctx, params.connectionId),
  );
}
