import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CredentialWiring } from "./credential-parts";
import { createCursorCodec } from "./connections/cursor";
import { createConnectionService, type ConnectionService } from "./connections/service";
import { createCredentialsHasher } from "./connections/sealing";
import type { SecretSealer } from "./crypto/envelope";
import { lazyCredentialParts } from "./lazy-parts";
import type { OktaAccess } from "./okta/access";
import type { ConnectionStore } from "./connections/store";
import { createOktaProxy, type OktaProxy } from "./proxy/proxy";
import { createDynamoStore } from "./storage/dynamo-store";

/** What the store and the "authorize a request to Okta" port are built from. */
export interface AccessWiring extends CredentialWiring {
  dynamo: DynamoDBClient;
  tableName: string;
}

export interface ServiceWiring extends AccessWiring {
  cursorSecret: string;
  /** Keys `credentialsHash` (CREDENTIALS_HASH_KEY): at least 32 characters. */
  credentialsHashKey: string;
  /** Tests inject a clock to age paging cursors; production uses `Date.now`. */
  cursorClock?: () => number;
  /** HEALTH_CHECK_INTERVAL_S (section 8). */
  healthIntervalSeconds?: number;
  /** Tests inject a clock. */
  clock?: () => Date;
}

/** The store and the one "authorize a request to Okta" port: validate, the proxy and health checks all go through it. */
export interface AccessParts {
  okta: OktaAccess;
  store: ConnectionStore;
}

/** The domain service and the ports it shares with the proxy and the health checks. */
export interface ServiceParts extends AccessParts {
  service: ConnectionService;
}

/** The store and the access port alone (the health checker: it neither hashes nor pages). */
export function wireAccessParts(w: AccessWiring): AccessParts & { sealer: SecretSealer } {
  const store = createDynamoStore({ client: w.dynamo, tableName: w.tableName });
  // The KMS sealer, the URL guard and the Okta client load on the first call that needs them.
  const { sealer, okta } = lazyCredentialParts(w);
  return { store, okta, sealer };
}

/** Wires the domain service to its adapters. Composition roots create the clients and call this. */
export function wireServiceParts(w: ServiceWiring): ServiceParts {
  const { store, okta, sealer } = wireAccessParts(w);
  const service = createConnectionService({
    store,
    sealer,
    okta,
    cursors: createCursorCodec(w.cursorSecret, { clock: w.cursorClock }),
    hashCredentials: createCredentialsHasher(w.credentialsHashKey),
    logger: w.logger,
    healthIntervalSeconds: w.healthIntervalSeconds,
    clock: w.clock,
  });
  return { service, okta, store };
}

/** What the HTTP app serves: the connection service and the Okta API proxy, on the same ports. */
export function wireApiParts(w: ServiceWiring): ServiceParts & { proxy: OktaProxy } {
  const parts = wireServiceParts(w);
  return { ...parts, proxy: createOktaProxy({ store: parts.store, okta: parts.okta, timeoutMs: w.oktaTimeoutMs, logger: w.logger }) };
}

export const wireConnectionService = (w: ServiceWiring): ConnectionService => wireServiceParts(w).service;
