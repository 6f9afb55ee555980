import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One DynamoDB Local for the whole run; each test file gets its own table on it.
    globalSetup: ["test/support/global-setup.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    // Tests that start `npm start` or Chromium take about 20 s on a loaded 2-core machine: room for that.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: "forks",
  },
});
