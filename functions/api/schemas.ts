import * as z from "zod/mini";
import { connectionNameSchema, projectIdSchema } from "../core/connections/schemas";

/** Edge-only shapes (unknown query parameters are ignored, as on most HTTP APIs): query strings, path parameters and the response documents (for OpenAPI). */
export const projectQuerySchema = z.object({ projectId: z.optional(projectIdSchema) });

const LIMIT_MESSAGE = "limit must be an integer from 1 to 100";
export const pageQuerySchema = z.object({
  projectId: z.optional(projectIdSchema),
  limit: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^[0-9]{1,3}$/, LIMIT_MESSAGE)), z.transform(Number)),
      z.int().check(z.minimum(1, LIMIT_MESSAGE), z.maximum(100, LIMIT_MESSAGE)),
    ),
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

export const connectionIdParamSchema = z.strictObject({ connectionId: z.uuid("connectionId must be a UUID") });
export const connectionNameParamSchema = z.strictObject({ connectionName: connectionNameSchema });

/** `3`, `"3"` and `W/"3"` all mean version 3; `*` means any version. */
export function parseIfMatch(header: string | undefined): number | undefined | "invalid" {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return undefined;
  const match = /^(?:W\/)?(?:"([0-9]{1,15})"|([0-9]{1,15}))$/.exec(value);
  const digits = match?.[1] ?? match?.[2];
  return digits === undefined ? "invalid" : Number(digits);
}

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
  method: z.literal("api-token"),
  credentials: z.strictObject({ instanceUrl: z.string() }),
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
  actor: z.strictObject({ type: z.enum(["user", "provisioning"]), id: z.string() }),
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
