import { setEvictingOldest } from "../bounded-map";

/** An access token as Okta issued it. */
export interface AccessToken {
  accessToken: string;
  /** `Bearer`, or `DPoP` for a token bound to the service's DPoP key. */
  tokenType: "Bearer" | "DPoP";
  /** Epoch ms. */
  expiresAt: number;
}

/** A token is reused until this long before it expires (contract section 9). */
export const TOKEN_REUSE_MARGIN_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 1_000;

/**
 * Access tokens by cache key (connection and credentialsHash, so new credentials never find an old
 * token). Bounded: past `maxEntries` the oldest entry goes. Concurrent first calls for one key share
 * one token request; a failed request is not kept, so the next call asks again.
 */
export function createTokenCache(opts: { now?: () => number; maxEntries?: number } = {}) {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  // `expiresAt` is set once the request answered; until then callers share the pending promise.
  const entries = new Map<string, { token: Promise<AccessToken>; expiresAt?: number }>();

  return {
    get(key: string, request: () => Promise<AccessToken>): Promise<AccessToken> {
      const held = entries.get(key);
      if (held && (held.expiresAt === undefined || held.expiresAt - TOKEN_REUSE_MARGIN_MS > now())) return held.token;
      entries.delete(key);
      const entry: { token: Promise<AccessToken>; expiresAt?: number } = { token: request() };
      setEvictingOldest(entries, key, entry, maxEntries);
      entry.token.then(
        (token) => void (entry.expiresAt = token.expiresAt),
        () => void (entries.get(key) === entry && entries.delete(key)),
      );
      return entry.token;
    },
    get size() {
      return entries.size;
    },
  };
}
