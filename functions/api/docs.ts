import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Env, Hono } from "hono";

/** Where the page loads the reference's script from: the same origin, a public route (infra/routes.ts). */
export const DOCS_SCRIPT_PATH = "/docs/api-reference.js";

/**
 * Scripts only from this origin (no inline script, no eval); the reference injects its own style
 * elements, so styles may be inline. Requests go to this origin only (the OpenAPI document).
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// Read by the script from the element's attributes: no inline script carries it. No web fonts
// (they would come from Scalar's CDN) and no telemetry.
const CONFIGURATION = JSON.stringify({ url: "/openapi.json", withDefaultFonts: false, telemetry: false });
const attribute = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The interactive reference: Scalar's viewer, reading `/openapi.json`. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Okta App Connections API</title></head>
<body>
<noscript>The interactive reference needs JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<script id="api-reference" type="application/json" data-url="/openapi.json" data-configuration="${attribute(CONFIGURATION)}"></script>
<script src="${DOCS_SCRIPT_PATH}"></script>
</body>
</html>`;

interface Script {
  text: string;
  gzip: Uint8Array;
  etag: string;
}
let script: Promise<Script> | undefined;
// Loaded (and compressed) on the first request for it, once per process: never at a cold start.
const loadScript = () =>
  (script ??= import("./docs-asset").then(async ({ loadApiReference }) => {
    const text = await loadApiReference();
    return { text, gzip: gzipSync(text), etag: `"${createHash("sha256").update(text).digest("base64url").slice(0, 16)}"` };
  }));

/** `/docs` and the script it loads. */
export function registerDocs<E extends Env>(app: Hono<E>) {
  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", DOCS_CSP);
    return c.html(DOCS_PAGE);
  });
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const { text, gzip, etag } = await loadScript();
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "public, max-age=3600");
    c.header("ETag", etag);
    c.header("Vary", "Accept-Encoding");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    // The file is about 4 MB; gzip keeps a Lambda answer well under its 6 MB payload limit.
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      c.header("Content-Encoding", "gzip");
      return c.body(gzip as Uint8Array<ArrayBuffer>);
    }
    return c.body(text);
  });
}
