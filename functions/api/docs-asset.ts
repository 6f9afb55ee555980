/**
 * Scalar's standalone API reference: one browser script from the npm package `@scalar/api-reference`
 * (pinned in package.json), served by the app itself so `/docs` loads nothing from another origin.
 *
 * Read from node_modules here (npm start, tests). The Lambda has no node_modules: `npm run build`
 * replaces this module with one that carries the file's text (scripts/build.ts), in a chunk of its
 * own that only a request for the script loads.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The file, relative to node_modules (the package's `exports` do not list it, so it is found by path). */
export const API_REFERENCE_FILE = "@scalar/api-reference/dist/browser/standalone.js";

export const loadApiReference = (): Promise<string> =>
  readFile(fileURLToPath(new URL(`../../node_modules/${API_REFERENCE_FILE}`, import.meta.url)), "utf8");
