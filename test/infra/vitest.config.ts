import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `npm run check:infra`: the stack under Pulumi mocks (needs `sst install`, which the npm script
 * runs first). Kept out of `npm test`, whose files end in `.test.ts`.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/infra/**/*.check.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
