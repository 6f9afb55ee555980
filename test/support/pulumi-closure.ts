/**
 * Import before @pulumi/pulumi. Pulumi serializes a dynamic provider's code (runtime/closure) with the
 * TypeScript compiler API, loaded by its `typescript-shim`: `require("typescript")`, else a copy it
 * vendors. Here `require("typescript")` finds the repo's typescript 7, which has no compiler API, so
 * the shim is given Pulumi's vendored copy, as in a project (or SST's .sst/platform) without
 * typescript 7. Nothing else in this process loads the shim.
 */
import { createRequire, Module } from "node:module";
import { dirname, join } from "node:path";

const requireFromPulumi = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
const shimPath = requireFromPulumi.resolve("./typescript-shim");
const shim = new Module(shimPath);
shim.filename = shimPath;
shim.exports = requireFromPulumi(join(dirname(shimPath), "vendor", "typescript@3.8.3", "typescript.js"));
shim.loaded = true;
requireFromPulumi.cache[shimPath] = shim;
