import type { IncomingMessage } from "node:http";

/**
 * What the caller really sent, whatever the runtime. Servers resolve `./`, `../` and `%2e`
 * segments (and WHATWG URLs turn `\` into `/`) before the app sees `request.url`, so a check of
 * the proxied path must read the request target as it came off the wire.
 */
interface NodeEnv {
  incoming: IncomingMessage;
}
interface LambdaEnv {
  event: { rawPath?: string; rawQueryString?: string; requestContext?: { domainName?: string; stage?: string } };
}

const isNode = (env: unknown): env is NodeEnv => typeof (env as NodeEnv | undefined)?.incoming?.url === "string";
const isLambda = (env: unknown): env is LambdaEnv => typeof (env as LambdaEnv | undefined)?.event?.rawPath === "string";

/** API Gateway puts a named stage in front of the path; the `$default` stage has no prefix. */
const stagePrefix = (env: LambdaEnv) => {
  const stage = env.event.requestContext?.stage;
  return stage && stage !== "$default" ? `/${stage}` : "";
};

/** The raw request target (`/path?query`): node-server's `incoming.url`, API Gateway's `rawPath` + `rawQueryString`. */
export function rawTargetOf(request: Request, env: unknown): string {
  if (isNode(env)) return env.incoming.url!;
  if (isLambda(env)) {
    const prefix = stagePrefix(env);
    const raw = env.event.rawPath!;
    const path = prefix && raw.startsWith(`${prefix}/`) ? raw.slice(prefix.length) : raw;
    return env.event.rawQueryString ? `${path}?${env.event.rawQueryString}` : path;
  }
  // In-process calls (app.request): no wire, nothing was resolved away. `request.url` is absolute
  // and serialized, so its target is what follows the authority, up to a fragment.
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const hash = url.indexOf("#", start);
  return start === -1 ? "/" : url.slice(start, hash === -1 ? undefined : hash);
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * Where the caller reached the service (`scheme://host[:port][/stage]`), for links that point back
 * at it: behind API Gateway its own domain name (never a caller's X-Forwarded-Host); locally the
 * Host header the caller used. Null when the Host header is not a host.
 */
export function callerOriginOf(request: Request, env: unknown): string | null {
  if (isLambda(env)) {
    const domain = env.event.requestContext?.domainName;
    return domain && HOST.test(domain) ? `https://${domain}${stagePrefix(env)}` : null;
  }
  if (isNode(env)) {
    const host = env.incoming.headers.host;
    const scheme = (env.incoming.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
    return host && HOST.test(host) ? `${scheme}://${host}` : null;
  }
  return new URL(request.url).origin;
}
