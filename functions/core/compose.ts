import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import { createCursorCodec } from "./connections/cursor";
import { createConnectionService, encryptionContext, type ConnectionService } from "./connections/service";
import { createKmsSealer } from "./crypto/envelope";
import type { Logger } from "./logger";
import { createOktaAccess, type OktaAccess } from "./okta/access";
import { createApiTokenMethod } from "./okta/api-token";
import { createUrlGuard, type Resolver } from "./okta/url-guard";
import type { ConnectionStore } from "./connections/store";
import { createDynamoStore } from "./storage/dynamo-store";

export interface ServiceWiring {
  dynamo: DynamoDBClient;
  tableName: string;
  kms: KMSClient;
  kmsKeyId: string;
  cursorSecret: string;
  oktaInsecureAllowlist?: string[];
  oktaTimeoutMs?: number;
  logger?: Logger;
  /** Tests inject a resolver; production uses the system's DNS. */
  resolve?: Resolver;
  /** HEALTH_CHECK_INTERVAL_S (section 8). */
  healthIntervalSeconds?: number;
  /** Tests inject a clock. */
  clock?: () => Date;
}

/** The domain service and the ports it shares with the proxy and the health checks. */
export interface ServiceParts {
  service: ConnectionService;
  /** "Authorize a request to Okta": validate, the proxy and health checks all go through it. */
  okta: OktaAccess;
  store: ConnectionStore;
}

/** Wires the domain service to its adapters. Composition roots create the clients and call this. */
export function wireServiceParts(w: ServiceWiring): ServiceParts {
  const store = createDynamoStore({ client: w.dynamo, tableName: w.tableName });
  const sealer = createKmsSealer({ kms: w.kms, keyId: w.kmsKeyId });
  const okta = createOktaAccess({
    guard: createUrlGuard({ allowlist: w.oktaInsecureAllowlist, resolve: w.resolve }),
    methods: { "api-token": createApiTokenMethod({ timeoutMs: w.oktaTimeoutMs }) },
    openSecret: (record) => sealer.open(record.secret, encryptionContext(record)),
  });
  const service = createConnectionService({
    store,
    sealer,
    okta,
    cursors: createCursorCodec(w.cursorSecret),
    logger: w.logger,
    healthIntervalSeconds: w.healthIntervalSeconds,
    clock: w.clock,
  });
  return { service, okta, store };
}

export const wireConnectionService = (w: ServiceWiring): ConnectionService => wireServiceParts(w).service;
