/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Two Okta App Connections declared next to the rest of a stack (README.md beside this file).
 * Every secret is an `sst.Secret`, set once per stage:
 *
 *   npx sst secret set ConnectionsAuthToken <bearer token of an org admin, or an admin of project web>
 *   npx sst secret set OktaProdApiToken 00...
 *   npx sst secret set OktaStagingApiToken 00...
 *
 * CONNECTIONS_API_URL is the service's URL (its ApiUrl output, or http://127.0.0.1:8787 for `npm start`).
 */
export default $config({
  app(input) {
    return {
      name: "sst-connection-example",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
    };
  },
  async run() {
    // From a checkout of the service repository; in your app, the path to its iac/ folder.
    const { OktaAppConnection } = await import("../../iac");
    const apiUrl = process.env.CONNECTIONS_API_URL ?? "https://connections.example.com";
    const authToken = new sst.Secret("ConnectionsAuthToken").value;

    const prod = new OktaAppConnection("OktaProd", {
      apiUrl,
      authToken,
      name: "okta-prod",
      projectId: "web",
      description: "Production Okta org",
      method: "api-token",
      credentials: { instanceUrl: "https://acme.okta.com", apiToken: new sst.Secret("OktaProdApiToken").value },
      // Section 7 of the contract: what callers may do through the connection's proxy.
      proxy: { allow: ["GET /api/v1/users/**", "GET /api/v1/groups/**"] },
    });

    const staging = new OktaAppConnection("OktaStaging", {
      apiUrl,
      authToken,
      name: "okta-staging",
      projectId: "web",
      method: "api-token",
      credentials: { instanceUrl: "https://acme.oktapreview.com", apiToken: new sst.Secret("OktaStagingApiToken").value },
    });

    return {
      oktaProdId: prod.id,
      oktaProdHealth: prod.health,
      oktaStagingId: staging.id,
    };
  },
});
