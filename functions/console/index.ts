import { createHash } from "node:crypto";
import type { Context, Env, Hono } from "hono";
import { APP_CSS, APP_JS, OKTA_SVG } from "./assets.gen";
import { consoleRules } from "./rules";
import { ConsolePage } from "./shell";

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

const ASSETS = {
  "app.js": { body: APP_JS, type: "text/javascript; charset=utf-8" },
  "app.css": { body: APP_CSS, type: "text/css; charset=utf-8" },
  "okta.svg": { body: OKTA_SVG, type: "image/svg+xml" },
} as const;

const ASSET_VERSION = createHash("sha256").update(APP_JS).update(APP_CSS).update(OKTA_SVG).digest("hex").slice(0, 12);

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
 * The page is rendered once, on first use; the rules it carries come from the API's own schemas.
 */
export function registerConsole<E extends Env>(app: Hono<E>) {
  // Rendered on first use, not at import: a cold Lambda serves API requests without paying for it.
  let page: { html: string; tag: string } | undefined;
  const render = () => {
    const html = "<!doctype html>" + String(ConsolePage({ rules: consoleRules(), assetVersion: ASSET_VERSION }));
    return { html, tag: createHash("sha256").update(html).digest("hex").slice(0, 16) };
  };

  app.get("/", (c) => c.redirect("/console", 302));
  app.get("/console", (c) => {
    page ??= render();
    return send(c, page.html, "text/html; charset=utf-8", page.tag);
  });
  for (const [file, asset] of Object.entries(ASSETS)) {
    app.get(`/console/${file}`, (c) => send(c, asset.body, asset.type, ASSET_VERSION));
  }
}
