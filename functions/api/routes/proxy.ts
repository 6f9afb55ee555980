import type { Context } from "hono";
import { validationFailure } from "../../core/errors";
import { checkProxyTarget } from "../../core/proxy/path";
import { PROXY_METHODS } from "../../core/proxy/policy";
import type { OktaProxy } from "../../core/proxy/proxy";
import { callerOriginOf, rawTargetOf } from "../raw-target";
import type { Router } from "../router";
import { connectionIdParamSchema } from "../schemas";

const BASE = "/api/v1/app-connections/okta";
/** The proxy route; the final `*` is the `{path}` handed to Okta. */
export const PROXY_ROUTE = `${BASE}/:connectionId/proxy/*`;
/** A raw request target of the proxy route: the connection id, then Okta's `{path}?{query}`. */
const RAW_PROXY_TARGET = /^\/api\/v1\/app-connections\/okta\/([^/?#]+)\/proxy\/(.*)$/s;

/** Whether a raw request target is a proxied call, however its path would resolve (app.ts routes those raw). */
export const isRawProxyTarget = (target: string) => RAW_PROXY_TARGET.test(target);

/** The request body: absent, or JSON (passed on byte for byte). The 64 KiB cap is the app's. */
async function jsonBody(c: Context): Promise<string | undefined> {
  // No body at all (a GET, usually): nothing to read.
  if (c.req.raw.body === null) return undefined;
  const text = await c.req.text();
  if (text === "") return undefined;
  try {
    JSON.parse(text);
  } catch {
    throw validationFailure("The request body must be valid JSON");
  }
  return text;
}

/** Okta's `{path}?{query}` of this request, judged on the raw target, or a 422. */
function oktaTargetOf(c: Context, connectionId: string) {
  const match = RAW_PROXY_TARGET.exec(rawTargetOf(c.req.raw, c.env));
  if (!match || match[1]!.toLowerCase() !== connectionId.toLowerCase()) {
    throw validationFailure(`The request path must be ${BASE}/:connectionId/proxy/api/v1/... without '.' or '..' segments`);
  }
  return checkProxyTarget(match[2]!);
}

/** Contract section 7: `{METHOD} .../okta/:connectionId/proxy/{path}?{query}` answers what Okta answered. */
export function registerProxyRoutes(router: Router, proxy: OktaProxy) {
  for (const method of PROXY_METHODS) {
    router.add(
      {
        tag: "Okta API proxy",
        method: method.toLowerCase() as Lowercase<typeof method>,
        path: PROXY_ROUTE,
        summary: `${method} {instanceUrl}/{path} through the connection, if its proxy policy allows it (Okta's status, body and paging headers)`,
        params: connectionIdParamSchema,
        optionalJsonBody: method !== "GET",
        response: "proxied",
      },
      async ({ params, ctx, http: c }) => {
        const target = oktaTargetOf(c, params.connectionId);
        const body = await jsonBody(c);
        const origin = callerOriginOf(c.req.raw, c.env) ?? "";
        const proxyBase = `${origin}${BASE}/${params.connectionId}/proxy`;
        const answer = await proxy.call(ctx, { connectionId: params.connectionId, method, target, body, proxyBase });
        const empty = answer.body.length === 0 || answer.status === 204 || answer.status === 304;
        // The Response copies the bytes it is given (undici), so the Buffer goes as it is.
        return new Response(empty ? null : (answer.body as Uint8Array<ArrayBuffer>), { status: answer.status, headers: { ...answer.headers, "x-upstream": "okta" } });
      },
    );
  }
}
