import * as z from "zod/mini";
import type { RouteSpec } from "./router";
import { errorBodySchema, RESPONSES } from "./responses";

const jsonSchema = (schema: z.ZodMiniType, io: "input" | "output") =>
  z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });

/** Query or path parameters of a route, from its zod object schema. */
function parameters(schema: z.ZodMiniType | undefined, where: "query" | "path") {
  if (!schema) return [];
  const doc = jsonSchema(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (doc.required ?? []).includes(name),
    schema: property,
  }));
}

/** One error envelope per status the error mapping can answer with. */
const errorResponses = (statuses: Iterable<number>) =>
  Object.fromEntries(
    [...new Set(statuses)].map((status) => [
      String(status),
      { description: "Error envelope", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
    ]),
  );

/**
 * OpenAPI 3.1 document built from the very specs (and zod schemas) the router validates with.
 * `statuses` are the error mapping's (errors.ts STATUS_OF), passed in rather than imported: an
 * import would make errors.ts a chunk of its own, one more file every cold start reads.
 */
export function buildOpenApi(specs: RouteSpec[], statuses: Iterable<number>) {
  const errors = errorResponses(statuses);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    // A final `*` (the proxy's rest of the path) is the `{path}` parameter.
    const wildcard = spec.path.endsWith("/*");
    const path = spec.path.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\/\*$/, "/{path}");
    const restParameter = wildcard
      ? [{ name: "path", in: "path", required: true, schema: { type: "string" }, description: "The rest of the path, sent to Okta as is (api/v1/...)" }]
      : [];
    const ifMatch = spec.ifMatch
      ? [{ name: "If-Match", in: "header", required: false, schema: { type: "string" }, description: 'Version: 3, "3" or W/"3"' }]
      : [];
    (paths[path] ??= {})[spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      security: [{ bearerAuth: [] }],
      parameters: [...parameters(spec.params, "path"), ...restParameter, ...parameters(spec.query, "query"), ...ifMatch],
      ...(spec.body && {
        requestBody: { required: true, content: { "application/json": { schema: jsonSchema(spec.body, "input") } } },
      }),
      ...(spec.optionalJsonBody && { requestBody: { required: false, content: { "application/json": { schema: {} } } } }),
      responses: {
        "200": { description: "OK", content: { "application/json": { schema: jsonSchema(RESPONSES[spec.response], "output") } } },
        ...errors,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Okta App Connections",
      version: "1.0.0",
      description: "Infisical-compatible API for Okta App Connections. The API token is write-only: it is never returned.",
    },
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: jsonSchema(errorBodySchema, "output") },
    },
    paths,
  };
}
