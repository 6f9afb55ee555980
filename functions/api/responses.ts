import * as z from "zod/mini";

/**
 * The response documents, for the OpenAPI document (and for tests that check responses against
 * it). Nothing validates responses at run time, so only openapi.ts imports this module: a cold
 * Lambda neither loads nor builds these schemas.
 */
const timestamp = z.iso.datetime();

export const appConnectionSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.nullable(z.string()),
  projectId: z.nullable(z.string()),
  orgId: z.string(),
  version: z.int().check(z.minimum(1)),
  createdAt: timestamp,
  updatedAt: timestamp,
  isPlatformManagedCredentials: z.literal(false),
  credentialsHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  app: z.literal("okta"),
  method: z.enum(["api-token", "client-credentials"]),
  credentials: z.union([
    z.strictObject({ instanceUrl: z.string() }),
    z.strictObject({ instanceUrl: z.string(), clientId: z.string(), scopes: z.array(z.string()), keyId: z.nullable(z.string()) }),
  ]),
  proxy: z.strictObject({ allow: z.array(z.string()) }),
  health: z.strictObject({
    status: z.enum(["healthy", "unhealthy", "unknown"]),
    checkedAt: z.nullable(timestamp),
    lastHealthyAt: z.nullable(timestamp),
    consecutiveFailures: z.int().check(z.minimum(0)),
    error: z.nullable(z.strictObject({ error: z.string(), message: z.string() })),
  }),
});

export const availableConnectionSchema = z.pick(appConnectionSchema, { app: true, id: true, name: true, projectId: true, orgId: true });

export const validationResultSchema = z.strictObject({
  valid: z.boolean(),
  checkedAt: timestamp,
  error: z.optional(z.strictObject({ error: z.string(), message: z.string() })),
});

export const auditEventSchema = z.strictObject({
  id: z.uuid(),
  action: z.enum(["create-app-connection", "update-app-connection", "delete-app-connection"]),
  actor: z.strictObject({ type: z.enum(["user", "provisioning"]), id: z.string(), senderId: z.optional(z.string()) }),
  connectionId: z.uuid(),
  orgId: z.string(),
  projectId: z.nullable(z.string()),
  reqId: z.string(),
  createdAt: timestamp,
  metadata: z.strictObject({ name: z.string(), app: z.literal("okta"), credentialsUpdated: z.optional(z.boolean()) }),
});

export const errorBodySchema = z.object({
  reqId: z.string(),
  statusCode: z.int(),
  error: z.string(),
  message: z.string(),
  details: z.optional(z.unknown()),
});

export const appOptionsSchema = z.strictObject({
  appConnectionOptions: z.array(z.strictObject({ name: z.string(), app: z.string(), methods: z.array(z.string()) })),
});

const connections = <T extends z.ZodMiniType>(item: T) => z.strictObject({ appConnections: z.array(item), nextCursor: z.optional(z.string()) });

/** Route specs name their response; the OpenAPI document looks the schema up here. */
export const RESPONSES = {
  options: appOptionsSchema,
  connection: z.strictObject({ appConnection: appConnectionSchema }),
  connections: connections(appConnectionSchema),
  available: connections(availableConnectionSchema),
  validation: validationResultSchema,
  auditLogs: z.strictObject({ auditLogs: z.array(auditEventSchema), nextCursor: z.optional(z.string()) }),
};
export type ResponseName = keyof typeof RESPONSES;
