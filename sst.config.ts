/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The whole service on AWS. This file only wires the app; each concern lives in `infra/`.
 * Deploy: `npx sst deploy --stage <name>` (docs/deploy.md). `prod` and `production` are
 * production stages: protected from `sst remove`, data retained, table deletion-protected.
 */
export default $config({
  app(input) {
    const production = ["prod", "production"].includes(input?.stage ?? "");
    return {
      name: "okta-app-connections",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
      providers: { aws: "7.20.0", random: "4.17.0" },
    };
  },
  async run() {
    const { outputs } = await import("./infra");
    return outputs;
  },
});
