import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as z from "zod/mini";
import type { Actor } from "../core/connections/model";
import { DomainError, validationFailure } from "../core/errors";
import type { Authenticate } from "./claims";
import { keepRequestId, requestIdOf } from "./request-frame";
import { parseExplained, parseExplainedSync, type Explained } from "../core/validation";
import type { ResponseName } from "./responses";
import { parseIfMatch } from "./schemas";

/** One route: its documentation and its input schemas, in one place the OpenAPI document reads. */
export interface RouteSpec {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  query?: z.ZodMiniType;
  params?: z.ZodMiniType;
  body?: z.ZodMiniType;
  /** The handler reads an optional JSON body of any shape itself (the proxy); documented, not parsed here. */
  optionalJsonBody?: boolean;
  /** Accepts `If-Match` with a version. */
  ifMatch?: boolean;
  /** The response document, by name (responses.ts): only the OpenAPI document builds it. */
  response: ResponseName;
}

export interface RouteInput<Q, P, B> {
  query: Q;
  params: P;
  body: B;
  ifMatch: number | undefined;
  ctx: { actor: Actor; reqId: string };
  /** The request itself, for the rare handler that answers with a Response of its own (the proxy). */
  http: Context;
}

type Out<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

/** The parsed value, or the 422 naming each field and rule (paths and rules only: the rejected value could be a secret). */
function accepted<T>(result: Explained<T>): T {
  if (result.success) return result.data;
  throw validationFailure(result.message, result.issues);
}
/** Path parameters and query strings have no async checks. */
const parseSync = <S extends z.ZodMiniType>(schema: S, value: unknown, where: "params" | "query") =>
  accepted(parseExplainedSync(schema, value, { whole: where, prefix: where }));
/** Async: a private key is checked with WebCrypto (jose) while the body is parsed. */
const parseBody = async <S extends z.ZodMiniType>(schema: S, value: unknown) => accepted(await parseExplained(schema, value, { whole: "body", prefix: "body" }));

/** A query key sent twice is ambiguous, so it is refused rather than guessed. */
function singleValuedQuery(c: Context): Record<string, string> {
  const all = c.req.queries();
  const query: Record<string, string> = {};
  for (const [key, values] of Object.entries(all)) {
    if (values.length > 1) throw validationFailure(`query.${key}: must be given once`);
    query[key] = values[0] ?? "";
  }
  return query;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw validationFailure("The request body must be valid JSON");
  }
}

export const BODY_LIMIT_BYTES = 64 * 1024;

const bodySizeLimit = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new DomainError("PayloadTooLarge", `The request body must be at most ${BODY_LIMIT_BYTES} bytes`);
  },
});
const nothingNext = async () => {};

/**
 * Refuses a body over the limit (413): by its Content-Length, or counted when it has none. Hono
 * then buffers the body into a new Request, which keeps the request's id.
 */
async function checkBodySize(c: Context): Promise<void> {
  const original = c.req.raw;
  await bodySizeLimit(c, nothingNext);
  if (c.req.raw !== original) keepRequestId(original, c.req.raw);
}

/**
 * Registers routes on `app` and keeps their specs for the OpenAPI document. Every route asks who
 * calls, then how much they send, then checks its own input: all in its one handler, so Hono runs
 * no middleware chain for an API call. A path that is no route answers 404 before any 401.
 */
export function createRouter(app: Hono, authenticate: Authenticate) {
  const specs: RouteSpec[] = [];
  return {
    specs,
    /** The handler answers a JSON document (sent as a 200), or a Response of its own. */
    add<S extends RouteSpec>(spec: S, handler: (input: RouteInput<Out<S["query"]>, Out<S["params"]>, Out<S["body"]>>) => Promise<unknown>) {
      specs.push(spec);
      app.on(spec.method.toUpperCase(), spec.path, async (c) => {
        // A cached token's actor comes back without a promise, and a bodiless request (every GET)
        // has no size to check: neither waits for a turn of the event loop then.
        const authenticated = authenticate(c);
        const actor = authenticated instanceof Promise ? await authenticated : authenticated;
        if (c.req.raw.body !== null) await checkBodySize(c);
        const params = spec.params ? parseSync(spec.params, c.req.param(), "params") : undefined;
        const query = spec.query ? parseSync(spec.query, singleValuedQuery(c), "query") : undefined;
        const body = spec.body ? await parseBody(spec.body, await readJson(c)) : undefined;
        const ifMatch = spec.ifMatch ? parseIfMatch(c.req.header("if-match")) : undefined;
        if (ifMatch === "invalid") throw validationFailure('If-Match must be a version such as 3, "3" or W/"3"');
        const ctx = { actor, reqId: requestIdOf(c.req.raw) };
        const result = await handler({ query, params, body, ifMatch, ctx, http: c } as RouteInput<Out<S["query"]>, Out<S["params"]>, Out<S["body"]>>);
        return result instanceof Response ? result : c.json(result as object, 200);
      });
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
