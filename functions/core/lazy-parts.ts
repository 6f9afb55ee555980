import type { CredentialParts, CredentialWiring } from "./credential-parts";

/**
 * The credential parts (credential-parts.ts) behind the same ports, built on first use: the first
 * call that seals, opens or checks credentials (create, PATCH, validate, the proxy, a health check)
 * imports and builds them once per process; reads never do. bench:cold shows what that first call pays.
 */
export function lazyCredentialParts(w: CredentialWiring): CredentialParts {
  let parts: Promise<CredentialParts> | undefined;
  const load = () =>
    (parts ??= import("./credential-parts").then(
      (m) => m.createCredentialParts(w),
      (error: unknown) => {
        parts = undefined; // a failed load is retried by the next call, not remembered
        throw error;
      },
    ));
  return {
    sealer: {
      seal: async (plaintext, context) => (await load()).sealer.seal(plaintext, context),
      open: async (sealed, context) => (await load()).sealer.open(sealed, context),
    },
    okta: {
      verifyNew: async (creds, beforeOkta) => (await load()).okta.verifyNew(creds, beforeOkta),
      check: async (record, gate) => (await load()).okta.check(record, gate),
      authorize: async (record, request) => (await load()).okta.authorize(record, request),
    },
  };
}
