/**
 * Loads the project's TypeScript as the Lambda bundle runs it: compiled by esbuild without
 * `keepNames`. tsx compiles with `keepNames`, which wraps every function the code creates in a
 * call that redefines its `name` property: the deployed bundle (scripts/build.ts) never runs those
 * calls, yet under tsx they cost a proxied call 12 µs more than its floor and a health check 20 µs,
 * in CPU profiles of both. esbuild does not rename anything when it only compiles, so names stay
 * as written. tsx still resolves the imports: `node --import tsx --import ./bench/lib/as-built.mjs`.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

// Imported by --import on the main thread: register this file's `load` hook (it runs in the
// hooks thread, where this module is loaded again and registers nothing).
if (isMainThread) register(import.meta.url);

const TYPESCRIPT = /\.(ts|tsx|mts)$/;
// tsconfig.json itself (the console's JSX among its options), as esbuild reads it when scripts/build.ts bundles.
const tsconfigRaw = JSON.parse(readFileSync(new URL("../../tsconfig.json", import.meta.url), "utf8"));
let esbuild;

export async function load(url, context, nextLoad) {
  const path = url.startsWith("file:") ? fileURLToPath(url.split("?")[0]) : "";
  if (!TYPESCRIPT.test(path) || path.includes("/node_modules/")) return nextLoad(url, context);
  esbuild ??= await import("esbuild");
  const { code } = await esbuild.transform(await readFile(path, "utf8"), {
    loader: path.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    sourcefile: path,
    sourcemap: "inline",
    tsconfigRaw,
  });
  return { format: "module", source: code, shortCircuit: true };
}
