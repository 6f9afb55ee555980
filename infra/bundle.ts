import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Directories holding `index.mjs` (exporting `handler`), the `chunks/` it loads on first use, and source maps: `functions/<name>/lambda.ts` built. */
export const API_BUNDLE = "dist/api";
export const PROVISION_BUNDLE = "dist/provision";
export const EVENTS_BUNDLE = "dist/events";
/** Exports `sweep` and `check` instead of `handler` (functions/health/lambda.ts). */
export const HEALTH_BUNDLE = "dist/health";

/** How every function runs its bundle: the built `index.mjs`'s `handler`, Node 22 on Graviton. */
export const lambdaCode = (bundle: string) => ({ bundle, handler: "index.handler", runtime: "nodejs22.x" as const, architecture: "arm64" as const });

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
} else {
  const missing = [API_BUNDLE, PROVISION_BUNDLE, EVENTS_BUNDLE, HEALTH_BUNDLE].filter((dir) => !existsSync(`${dir}/index.mjs`));
  if (missing.length) throw new Error(`SKIP_BUILD=1 but ${missing.map((dir) => `${dir}/index.mjs`).join(", ")} missing: run npm run build`);
}
