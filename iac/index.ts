/**
 * `OktaAppConnection`: an Okta App Connection of this service as a Pulumi resource, for SST (v3 is
 * Pulumi underneath) and plain Pulumi programs. It calls only the service's public API.
 *
 * @example
 * ```ts
 * const token = new sst.Secret("OktaProdApiToken");
 * new OktaAppConnection("OktaProd", {
 *   apiUrl: "https://connections.example.com",
 *   authToken: new sst.Secret("ConnectionsAuthToken").value,
 *   name: "okta-prod",
 *   projectId: "web",
 *   method: "api-token",
 *   credentials: { instanceUrl: "https://acme.okta.com", apiToken: token.value },
 * });
 * ```
 *
 * Secrets: `authToken` and `credentials` are made Pulumi secrets here, whatever the caller passes, so
 * Pulumi encrypts them wherever it keeps inputs. The provider's outputs (the state) never hold the
 * credentials (see state.ts); they keep `authToken`, which `refresh` and `delete` need, listed in
 * `additionalSecretOutputs` so the engine encrypts it there too.
 */
import * as pulumi from "@pulumi/pulumi";
import { oktaAppConnectionProvider } from "./provider";
import type { Method } from "./state";

export { oktaAppConnectionProvider, type ConnectionDiff } from "./provider";
export { isApiError, type OktaAppConnectionError } from "./api";
export type { ConnectionInputs, ConnectionState, Method } from "./state";

/** `api-token` credentials (CONTRACT.md section 1). */
export interface ApiTokenCredentials {
  instanceUrl: pulumi.Input<string>;
  apiToken: pulumi.Input<string>;
}

/** `client-credentials` credentials (section 9): an Okta service app and its private key (JWK or PKCS#8 PEM). */
export interface ClientCredentials {
  instanceUrl: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  scopes: pulumi.Input<pulumi.Input<string>[]>;
  privateKey: pulumi.Input<string | Record<string, unknown>>;
}

export interface OktaAppConnectionArgs {
  /** The service's base URL, such as `https://connections.example.com`. */
  apiUrl: pulumi.Input<string>;
  /** A bearer token allowed to create, edit and delete the connection (project admin or org admin). */
  authToken: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Omitted: an org-level connection. Changing it replaces the connection. */
  projectId?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Changing it replaces the connection. */
  method: pulumi.Input<Method>;
  credentials: pulumi.Input<ApiTokenCredentials | ClientCredentials>;
  /** Proxy policy (section 7); omitted: left to the service (its default, or edits made there). */
  proxy?: pulumi.Input<{ allow: pulumi.Input<pulumi.Input<string>[]> }>;
}

/** Health as the service reports it (section 8); null until the service reports one. */
export interface ConnectionHealth {
  status: "healthy" | "unhealthy" | "unknown";
  checkedAt: string | null;
  lastHealthyAt: string | null;
  consecutiveFailures: number;
  error: { error: string; message: string } | null;
}

export const SECRET_OUTPUTS = ["authToken", "credentials"];

export class OktaAppConnection extends pulumi.dynamic.Resource {
  /** Incremented by every change; the next update sends it as `If-Match`. */
  declare readonly version: pulumi.Output<number>;
  /** The service's hash of the stored credentials (never the credentials). */
  declare readonly credentialsHash: pulumi.Output<string>;
  declare readonly health: pulumi.Output<ConnectionHealth | null>;

  constructor(name: string, args: OktaAppConnectionArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs = {
      ...args,
      authToken: pulumi.secret(args.authToken),
      credentials: pulumi.secret(args.credentials),
      // Outputs Pulumi fills in from the provider's answer.
      version: undefined,
      credentialsHash: undefined,
      health: undefined,
    };
    const additionalSecretOutputs = [...new Set([...(opts.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS])];
    super(oktaAppConnectionProvider, name, inputs, { ...opts, additionalSecretOutputs }, "okta-app-connections", "OktaAppConnection");
  }
}
