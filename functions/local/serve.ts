import { createServer } from "node:http";
import { serve } from "@hono/node-server";

/**
 * `\` in a request path becomes `%5C`. node-server answers a raw `\` in the path with a bare 400 of
 * its own, before the app runs; escaped, the request reaches the app, whose raw-target checks
 * refuse it with the contract's envelope (a proxied path with an encoded `\` is a 422).
 */
export function escapeBackslashes(target: string): string {
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  if (!path.includes("\\")) return target;
  return path.replaceAll("\\", "%5C") + (q === -1 ? "" : target.slice(q));
}

/** Serves the app on plain HTTP, as `npm start` and the test harness do. */
export function serveApp(opts: { fetch: Parameters<typeof serve>[0]["fetch"]; port: number; hostname: string }) {
  const escaping = ((options: object, listener: Parameters<typeof createServer>[0] & Function) =>
    createServer(options, (req, res) => {
      if (req.url) req.url = escapeBackslashes(req.url);
      listener(req, res);
    })) as unknown as typeof createServer;
  return serve({ ...opts, createServer: escaping });
}
