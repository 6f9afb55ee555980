import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Directory holding `index.mjs` (exporting `handler`) and its source map. */
export const API_BUNDLE = "dist/api";

/**
 * The Lambda code is the repo's own `npm run build` output (esbuild, minified ESM for nodejs22.x),
 * built here so that `sst deploy` ships exactly what `npm run bench:cold` measures.
 * `SKIP_BUILD=1` deploys the `dist/` already there (a pipeline that built and tested it first).
 */
if (process.env.SKIP_BUILD !== "1") {
  try {
    execFileSync("npm", ["run", "--silent", "build"], { stdio: "pipe", encoding: "utf8" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${stdout}${stderr}`);
  }
} else if (!existsSync(`${API_BUNDLE}/index.mjs`)) {
  throw new Error(`SKIP_BUILD=1 but ${API_BUNDLE}/index.mjs is missing: run npm run build`);
}
