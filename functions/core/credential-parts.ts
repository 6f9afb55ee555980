import type { KMSClient } from "@aws-sdk/client-kms";
import { encryptionContext } from "./connections/sealing";
import { createKmsSealer, type SecretSealer } from "./crypto/envelope";
import { createKmsClient } from "./crypto/kms-client";
import type { Logger } from "./logger";
import { createOktaAccess, type OktaAccess } from "./okta/access";
import { createApiTokenMethod } from "./okta/api-token";
import { createClientCredentialsMethod } from "./okta/client-credentials";
import { createUrlGuard, type Resolver } from "./okta/url-guard";

/**
 * Everything that touches a connection's credentials: the KMS sealer, the URL guard and the Okta
 * methods. compose.ts imports this module on first use only (lazy-parts.ts), so a cold start that
 * serves reads never loads the KMS client, ipaddr.js or the Okta client (test/api/cold-path.test.ts).
 */
export interface CredentialWiring {
  /** Without one, a client with the default AWS configuration is built here (the Lambdas). */
  kms?: KMSClient;
  kmsKeyId: string;
  oktaInsecureAllowlist?: string[];
  oktaTimeoutMs?: number;
  logger?: Logger;
  /** Tests inject a resolver; production uses the system's DNS. */
  resolve?: Resolver;
  /** Tests inject the clock of the decrypted-secret cache (epoch ms). */
  now?: () => number;
}

export interface CredentialParts {
  sealer: SecretSealer;
  okta: OktaAccess;
}

export function createCredentialParts(w: CredentialWiring): CredentialParts {
  const sealer = createKmsSealer({ kms: w.kms ?? createKmsClient(), keyId: w.kmsKeyId, logger: w.logger });
  const okta = createOktaAccess({
    guard: createUrlGuard({ allowlist: w.oktaInsecureAllowlist, resolve: w.resolve }),
    methods: {
      "api-token": createApiTokenMethod({ timeoutMs: w.oktaTimeoutMs }),
      "client-credentials": createClientCredentialsMethod({ timeoutMs: w.oktaTimeoutMs }),
    },
    openSecret: (record) => sealer.open(record.secret, encryptionContext(record)),
    now: w.now,
  });
  return { sealer, okta };
}
