import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import { createCursorCodec } from "./connections/cursor";
import { createConnectionService, type ConnectionService } from "./connections/service";
import { createCredentialsHasher, encryptionContext } from "./connections/sealing";
import { createKmsSealer, type SecretSealer } from "./crypto/envelope";
import type { Logger } from "./logger";
import { createOktaAccess, type OktaAccess } from "./okta/access";
import { createApiTokenMethod } from "./okta/api-token";
import { createClientCredentialsMethod } from "./okta/client-credentials";
import { createUrlGuard, type Resolver } from "./okta/url-guard";
import type { ConnectionStore } from "./connections/store";
import { createOktaProxy, type OktaProxy } from "./proxy/proxy";
import { createDynamoStore } from "./storage/dynamo-store";

/** What the store and the "authorize a request to Okta" port are built from. */
export interface AccessWiring {
  dynamo: DynamoDBClient;
  tableName: string;
  kms: KMSClient;
  kmsKeyId: string;
  oktaInsecureAllowlist?: string[];
  oktaTimeoutMs?: number;
  logger?: Logger;
  /** Tests inject a resolver; production uses the system's DNS. */
  resolve?: Resolver;
  /** Tests inject the clock of the decrypted-secret cache (epoch ms). */
  now?: () => number;
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
  const sealer = createKmsSealer({ kms: w.kms, keyId: w.kmsKeyId, logger: w.logger });
  const okta = createOktaAccess({
    guard: createUrlGuard({ allowlist: w.oktaInsecureAllowlist, resolve: w.resolve }),
    methods: {
      "api-token": createApiTokenMethod({ timeoutMs: w.oktaTimeoutMs }),
      "client-credentials": createClientCredentialsMethod({ timeoutMs: w.oktaTimeoutMs }),
    },
    openSecret: (record) => sealer.open(record.secret, encryptionContext(record)),
    now: w.now,
  });
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
