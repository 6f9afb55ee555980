import type { CheckedConnection, ConnectionMethod } from "../connections/model";
import { validationFailure } from "../errors";
import type { RateLimit, SendGate } from "./transport";
import type { OktaTarget, UrlGuard } from "./url-guard";
import { setEvictingOldest } from "../bounded-map";

/**
 * "Authorize a request to Okta": the one place that knows how a connection's credentials turn into
 * a checked request. Validation (create, PATCH, validate), the proxy and the health checks all go
 * through it, so none of them knows which method a connection uses.
 */

/** A connection's credentials in the clear: held in memory only, for the calls that need them. */
export type OktaCredentials =
  | { method: "api-token"; instanceUrl: string; apiToken: string }
  | { method: "client-credentials"; instanceUrl: string; clientId: string; scopes: string[]; keyId: string | null; privateKey: string };

/** One authentication method towards Okta (an API token, an OAuth 2.0 service app). */
export interface OktaMethod<C extends OktaCredentials = OktaCredentials> {
  /**
   * Proves the credentials work now, asking Okta anew (nothing cached). Throws the contract's errors.
   * May answer Okta's rate-limit headers of that call (the health checks pace themselves by them).
   * `gate`, when given, holds back every request it sends (transport.ts).
   */
  verify(target: OktaTarget, creds: C, gate?: SendGate): Promise<RateLimit | void>;
  /**
   * The headers that authorize one request (`url` is absolute). May reuse what `cacheKey` names
   * (an access token): the key changes whenever the credentials change.
   */
  authorize(target: OktaTarget, creds: C, request: { method: string; url: string }, cacheKey: string): Promise<Record<string, string>>;
}

export type OktaMethods = { [M in ConnectionMethod]?: OktaMethod<Extract<OktaCredentials, { method: M }>> };

/** A request through a stored connection, ready to send: where to (guarded and pinned now) and with what. */
export interface AuthorizedRequest {
  target: OktaTarget;
  headers: Record<string, string>;
}

export interface OktaAccess {
  /**
   * New credentials (create, PATCH): the URL guard first, then `beforeOkta` (the name check), then
   * Okta. Answers the credentials with `instanceUrl` normalized to the checked origin.
   */
  verifyNew<C extends OktaCredentials>(creds: C, beforeOkta?: () => Promise<void>): Promise<C>;
  /**
   * A stored connection's credentials, proven against Okta now (validate, health checks); Okta's
   * rate-limit headers when sent. `gate` holds the request back until the moment it is written
   * (after the secret is opened and the connection made): the health checks keep an org's
   * Retry-After window with it, one opened by a concurrent request's 429 included.
   */
  check(record: CheckedConnection, gate?: SendGate): Promise<RateLimit | undefined>;
  /** Authorization of one request through a stored connection (the proxy). `path` starts with `/`. */
  authorize(record: CheckedConnection, request: { method: string; path: string }): Promise<AuthorizedRequest>;
}

export interface OktaAccessDeps {
  guard: UrlGuard;
  methods: OktaMethods;
  /** Opens the record's sealed secret (the envelope port, under the record's encryption context). */
  openSecret(record: CheckedConnection): Promise<string>;
  now?: () => number;
}

/** The contract's bound on keeping a decrypted credential (section 7). */
export const SECRET_CACHE_TTL_MS = 5 * 60_000;
const SECRET_CACHE_MAX = 1_000;

/** The credentials of a record, given its opened secret. */
export function credentialsOf(record: CheckedConnection, secret: string): OktaCredentials {
  if (record.method === "client-credentials") {
    const app = record.serviceApp;
    if (!app) throw validationFailure("the connection's service app fields are missing");
    return { method: "client-credentials", instanceUrl: record.instanceUrl, ...app, privateKey: secret };
  }
  return { method: "api-token", instanceUrl: record.instanceUrl, apiToken: secret };
}

export function createOktaAccess(deps: OktaAccessDeps): OktaAccess {
  const now = deps.now ?? Date.now;
  // Decrypted secrets, by connection. An entry serves only the credentials it was opened for
  // (same credentialsHash) and for at most SECRET_CACHE_TTL_MS: a warm call needs no KMS request.
  const secrets = new Map<string, { hash: string; secret: string; until: number }>();

  async function secretOf(record: CheckedConnection): Promise<string> {
    const key = `${record.orgId}/${record.id}`;
    const hit = secrets.get(key);
    if (hit && hit.hash === record.credentialsHash && hit.until > now()) return hit.secret;
    secrets.delete(key);
    const secret = await deps.openSecret(record);
    setEvictingOldest(secrets, key, { hash: record.credentialsHash, secret, until: now() + SECRET_CACHE_TTL_MS }, SECRET_CACHE_MAX);
    return secret;
  }

  function methodOf<C extends OktaCredentials>(creds: C): OktaMethod<C> {
    const method = deps.methods[creds.method] as OktaMethod<C> | undefined;
    if (!method) throw validationFailure(`method ${creds.method} is not supported`);
    return method;
  }

  return {
    async verifyNew(creds, beforeOkta) {
      const target = await deps.guard.check(creds.instanceUrl);
      await beforeOkta?.();
      const checked = { ...creds, instanceUrl: target.origin };
      await methodOf(checked).verify(target, checked);
      return checked;
    },

    async check(record, gate) {
      const creds = credentialsOf(record, await secretOf(record));
      const target = await deps.guard.check(record.instanceUrl);
      return (await methodOf(creds).verify(target, creds, gate)) ?? undefined;
    },

    async authorize(record, request) {
      const creds = credentialsOf(record, await secretOf(record));
      const target = await deps.guard.check(record.instanceUrl);
      const url = `${target.origin}${request.path}`;
      const cacheKey = `${record.orgId}/${record.id}/${record.credentialsHash}`;
      return { target, headers: await methodOf(creds).authorize(target, creds, { method: request.method, url }, cacheKey) };
    },
  };
}
