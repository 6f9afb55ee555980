import * as z from "zod/mini";
import { connectionNameSchema, projectIdSchema } from "../core/connections/schemas";

/**
 * Edge-only input shapes (unknown query parameters are ignored, as on most HTTP APIs): query
 * strings and path parameters. Responses: responses.ts. Built on first use, like the connection
 * schemas (core/connections/schemas.ts), except the connection id's: a cold start's first request
 * is usually a read by id, and it should not pay for building it.
 */
export const projectQuerySchema = z.lazy(() => z.object({ projectId: z.optional(projectIdSchema) }));

const LIMIT_MESSAGE = "limit must be an integer from 1 to 100";
const pageQueryShape = () => ({
  projectId: z.optional(projectIdSchema),
  limit: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^[0-9]{1,3}$/, LIMIT_MESSAGE)), z.transform(Number)),
      z.int().check(z.minimum(1, LIMIT_MESSAGE), z.maximum(100, LIMIT_MESSAGE)),
    ),
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});
export const pageQuerySchema = z.lazy(() => z.object(pageQueryShape()));
export type PageQuery = z.output<typeof pageQuerySchema>;

/** Connection listings also take `health=` (contract section 8). */
export const connectionListQuerySchema = z.lazy(() =>
  z.object({
    ...pageQueryShape(),
    health: z.optional(z.enum(["healthy", "unhealthy", "unknown"], "health must be healthy, unhealthy or unknown")),
  }),
);

/** Connection ids are UUIDs, matched case-insensitively: stored lower-case, so the edge lower-cases them too. */
export const connectionIdParamSchema = z.strictObject({
  connectionId: z.pipe(z.uuid("connectionId must be a UUID"), z.transform((id: string) => id.toLowerCase())),
});
export const connectionNameParamSchema = z.lazy(() => z.strictObject({ connectionName: connectionNameSchema }));

/** `3`, `"3"` and `W/"3"` all mean version 3; `*` means any version. */
export function parseIfMatch(header: string | undefined): number | undefined | "invalid" {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return undefined;
  const match = /^(?:W\/)?(?:"([0-9]{1,15})"|([0-9]{1,15}))$/.exec(value);
  const digits = match?.[1] ?? match?.[2];
  return digits === undefined ? "invalid" : Number(digits);
}
