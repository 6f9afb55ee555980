import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import { createCursorCodec } from "./connections/cursor";
import { createConnectionService, type ConnectionService } from "./connections/service";
import { createKmsSealer } from "./crypto/envelope";
import type { Logger } from "./logger";
import { createOktaVerifier } from "./okta/okta-client";
import { createUrlGuard, type Resolver } from "./okta/url-guard";
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
  /** Tests inject a clock to age paging cursors; production uses `Date.now`. */
  cursorClock?: () => number;
  /** Tests inject a resolver; production uses the system's DNS. */
  resolve?: Resolver;
}

/** Wires the domain service to its adapters. Composition roots create the clients and call this. */
export function wireConnectionService(w: ServiceWiring): ConnectionService {
  return createConnectionService({
    store: createDynamoStore({ client: w.dynamo, tableName: w.tableName }),
    sealer: createKmsSealer({ kms: w.kms, keyId: w.kmsKeyId }),
    guard: createUrlGuard({ allowlist: w.oktaInsecureAllowlist, resolve: w.resolve }),
    okta: createOktaVerifier({ timeoutMs: w.oktaTimeoutMs }),
    cursors: createCursorCodec(w.cursorSecret, { clock: w.cursorClock }),
    logger: w.logger,
  });
}
