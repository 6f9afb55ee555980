/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The whole service on AWS. This file only wires the app; each resource lives in `infra/`.
 * Deploy: `npx sst deploy --stage <name>` (see docs/deploy.md).
 */
export default $config({
  app(input) {
    return {
      name: "okta-app-connections",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
      providers: { random: "4.17.0" },
    };
  },
  async run() {
    const { outputs } = await import("./infra");
    return outputs;
  },
});
