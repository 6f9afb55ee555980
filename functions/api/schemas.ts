import * as z from "zod/mini";
import { connectionNameSchema, projectIdSchema } from "../core/connections/schemas";
import { withPlainParse } from "../core/validation";

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

/** zod's `z.uuid()` pattern (RFC 9562 versions 1 to 8, the nil and max UUIDs); the fast-path test compares the two. */
const UUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;

/**
 * Connection ids are UUIDs, matched case-insensitively: stored lower-case, so the edge lower-cases
 * them too. Every by-id route parses this, so a valid id skips zod's object, pipe and check
 * machinery; anything else is parsed by zod, which words the 422. A test
 * (test/api/schemas-fast-path.test.ts) holds the two to the same answers.
 */
export const connectionIdParamSchema = withPlainParse(
  z.strictObject({
    connectionId: z.pipe(z.uuid("connectionId must be a UUID"), z.transform((id: string) => id.toLowerCase())),
  }),
  (input) => {
    if (typeof input !== "object" || input === null || Object.keys(input).length !== 1) return undefined;
    const id = (input as { connectionId?: unknown }).connectionId;
    return typeof id === "string" && UUID.test(id) ? { connectionId: id.toLowerCase() } : undefined;
  },
);
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
