import { createHash } from "node:crypto";
import { APP_CSS, APP_JS, OKTA_SVG } from "./assets.gen";
import type { ASSET_TYPES } from "./index";
import { consoleRules } from "./rules";
import { ConsolePage } from "./shell";

/**
 * Everything the console serves, built once when this module is first imported. The routes in
 * index.ts import it on the first console request, so a cold API Lambda never loads it.
 */
export const ASSET_BODIES: Record<keyof typeof ASSET_TYPES, string> = { "app.js": APP_JS, "app.css": APP_CSS, "okta.svg": OKTA_SVG };

export const ASSET_VERSION = createHash("sha256").update(APP_JS).update(APP_CSS).update(OKTA_SVG).digest("hex").slice(0, 12);

const html = "<!doctype html>" + String(ConsolePage({ rules: consoleRules(), assetVersion: ASSET_VERSION }));
export const PAGE = { html, tag: createHash("sha256").update(html).digest("hex").slice(0, 16) };
