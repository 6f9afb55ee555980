import type { Context, Env, Hono } from "hono";

/**
 * Only the app's own files: no inline script or style, no other origin, no framing. The bearer
 * token lives in sessionStorage, so anything that could inject script is what this must stop.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The console's files and their types; their bodies, like the page, load on the first console request (content.ts). */
export const ASSET_TYPES = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "okta.svg": "image/svg+xml",
};
const content = () => import("./content");

function send(c: Context<any>, body: string, type: string, etag: string) {
  c.header("Content-Security-Policy", CONSOLE_CSP);
  c.header("Cache-Control", "no-cache");
  c.header("ETag", `"${etag}"`);
  if (c.req.header("if-none-match") === `"${etag}"`) return c.body(null, 304);
  return c.body(body, 200, { "Content-Type": type });
}

/**
 * The web console: one page plus its script, stylesheet and logo, all public (the page signs in
 * with a bearer token and then uses only the public `/api` routes, like any other client).
 * The rules the page carries come from the API's own schemas.
 */
export function registerConsole<E extends Env>(app: Hono<E>) {
  app.get("/", (c) => c.redirect("/console", 302));
  app.get("/console", async (c) => {
    const { PAGE } = await content();
    return send(c, PAGE.html, "text/html; charset=utf-8", PAGE.tag);
  });
  for (const [file, type] of Object.entries(ASSET_TYPES) as [keyof typeof ASSET_TYPES, string][]) {
    app.get(`/console/${file}`, async (c) => {
      const { ASSET_BODIES, ASSET_VERSION } = await content();
      return send(c, ASSET_BODIES[file], type, ASSET_VERSION);
    });
  }
}
