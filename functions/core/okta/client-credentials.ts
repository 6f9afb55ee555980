import { randomUUID } from "node:crypto";
import { jose } from "./jose";
import { invalidCredentials, invalidInstanceUrl, upstreamRateLimited, upstreamUnavailable } from "../errors";
import type { OktaCredentials, OktaMethod } from "./access";
import { dpopProof } from "./dpop";
import { signingKeyOf } from "./service-app-key";
import { createTokenCache, type AccessToken } from "./token-cache";
import { retryAfterSeconds, sendToOkta, type OktaAnswer, type SendGate } from "./transport";
import type { OktaTarget } from "./url-guard";
import { setEvictingOldest } from "../bounded-map";

type ServiceAppCredentials = Extract<OktaCredentials, { method: "client-credentials" }>;

export const TOKEN_PATH = "/oauth2/v1/token";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ASSERTION_LIFETIME_S = 300; // the contract's bound: exp at most 5 minutes after iat
const MAX_BODY = 64 * 1024;
/** Okta's answers that mean "these client credentials do not work" (section 9). */
const REFUSALS = new Set(["invalid_client", "invalid_scope", "unauthorized_client", "invalid_grant"]);
/** Without a proof, then with one, then with the server's nonce: never more. */
const MAX_ATTEMPTS = 3;

/**
 * The `client-credentials` method (contract section 9): an OAuth 2.0 service app authenticating
 * with `private_key_jwt`, DPoP when Okta asks for it. `verify` always asks Okta for a new token;
 * `authorize` reuses one per cache key until a minute before it expires.
 */
export function createClientCredentialsMethod(opts: { timeoutMs?: number; now?: () => number; maxCachedTokens?: number } = {}): OktaMethod<ServiceAppCredentials> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const tokens = createTokenCache({ now, maxEntries: opts.maxCachedTokens });
  const dpopHints = new Map<string, DpopHint>();
  const request = (target: OktaTarget, creds: ServiceAppCredentials, gate?: SendGate) => requestToken(target, creds, { timeoutMs, now, dpopHints, gate });
  return {
    async verify(target, creds, gate) {
      await request(target, creds, gate);
    },
    async authorize(target, creds, { method, url }, cacheKey): Promise<Record<string, string>> {
      const token = await tokens.get(cacheKey, () => request(target, creds));
      if (token.tokenType === "Bearer") return { Authorization: `Bearer ${token.accessToken}` };
      return { Authorization: `DPoP ${token.accessToken}`, DPoP: await dpopProof({ htm: method, htu: url, accessToken: token.accessToken }) };
    },
  };
}

/** That a service app's token endpoint wants DPoP, and its last nonce: the next request starts with a proof. */
type DpopHint = { nonce?: string };
const MAX_HINTS = 1_000;

/** The token request, with the DPoP dance of RFC 9449 when Okta asks for proofs. */
async function requestToken(
  target: OktaTarget,
  creds: ServiceAppCredentials,
  opts: { timeoutMs: number; now: () => number; dpopHints: Map<string, DpopHint>; gate?: SendGate },
): Promise<AccessToken> {
  const tokenUrl = `${target.origin}${TOKEN_PATH}`;
  const hintKey = `${target.origin} ${creds.clientId}`;
  let dpop = opts.dpopHints.get(hintKey);
  let nonceTaken = false;
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" };
    if (dpop) headers.DPoP = await dpopProof({ htm: "POST", htu: tokenUrl, nonce: dpop.nonce });
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      scope: creds.scopes.join(" "),
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion(creds, tokenUrl), // a fresh jti every time: Okta refuses a replay
    });
    const answer = await sendToOkta(target, { method: "POST", path: TOKEN_PATH, headers, body: form.toString() }, { timeoutMs: opts.timeoutMs, maxBytes: MAX_BODY, gate: opts.gate });
    const error = oauthError(answer);
    const nonce = headerOf(answer, "dpop-nonce");
    const retry = attempt < MAX_ATTEMPTS && answer.status === 400;
    if (retry && error?.code === "invalid_dpop_proof" && !dpop) dpop = {};
    else if (retry && error?.code === "use_dpop_nonce" && nonce && !nonceTaken) (dpop = { nonce }), (nonceTaken = true);
    else {
      const token = interpret(answer, target, error, opts.now());
      if (dpop) remember(opts.dpopHints, hintKey, { nonce: nonce ?? dpop.nonce });
      return token;
    }
  }
}

function remember(hints: Map<string, DpopHint>, key: string, hint: DpopHint) {
  hints.delete(key);
  setEvictingOldest(hints, key, hint, MAX_HINTS);
}

/** `private_key_jwt` (RFC 7523): signed with the connection's key, `iss` = `sub` = clientId. */
async function clientAssertion(creds: ServiceAppCredentials, tokenUrl: string): Promise<string> {
  const { key, alg, kid } = await signingKeyOf(creds.privateKey);
  const iat = Math.floor(Date.now() / 1000);
  const { SignJWT } = await jose();
  return new SignJWT({})
    .setProtectedHeader(kid === null ? { alg } : { alg, kid })
    .setIssuer(creds.clientId)
    .setSubject(creds.clientId)
    .setAudience(tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .setJti(randomUUID())
    .sign(key);
}

function interpret(answer: OktaAnswer, target: OktaTarget, error: OAuthError | undefined, nowMs: number): AccessToken {
  const { status } = answer;
  const detail = error ? ` (${error.code})${error.description ? `: ${error.description}` : ""}` : ` (HTTP ${status})`;
  if (status === 200) return tokenOf(answer, target, nowMs);
  if (status >= 300 && status < 400 || status === 404) {
    throw invalidInstanceUrl(`${target.origin} is not an Okta API endpoint (HTTP ${status} for ${TOKEN_PATH})`);
  }
  if ((status === 400 || status === 401) && error && REFUSALS.has(error.code)) throw invalidCredentials(`Okta refused the service app's credentials${detail}`);
  if (status === 429) throw upstreamRateLimited(`Okta rate limit reached${detail}`, retryAfterSeconds(answer.headers));
  if (status >= 400 && status < 500) throw invalidCredentials(`Okta refused the token request${detail}`);
  throw upstreamUnavailable(`Okta at ${target.origin} answered HTTP ${status}`);
}

/** A 200 passes only with an access token that can travel in a header. */
function tokenOf(answer: OktaAnswer, target: OktaTarget, nowMs: number): AccessToken {
  const body = answer.tooLarge ? undefined : (jsonOf(answer) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | undefined);
  const accessToken = body?.access_token;
  if (typeof accessToken !== "string" || !/^[\x21-\x7e]{1,8192}$/.test(accessToken)) {
    throw invalidInstanceUrl(`${target.origin} did not answer like an Okta token endpoint (no access_token)`);
  }
  const tokenType = typeof body?.token_type === "string" && body.token_type.toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  const lifetime = typeof body?.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600;
  return { accessToken, tokenType, expiresAt: nowMs + lifetime * 1000 };
}

interface OAuthError {
  code: string;
  description?: string;
}

/** Okta's `{ error, error_description }`, cleaned for a message: no control characters, no long opaque runs, capped. */
function oauthError(answer: OktaAnswer): OAuthError | undefined {
  if (answer.status < 400) return undefined;
  const body = jsonOf(answer) as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof body?.error !== "string") return undefined;
  const code = clean(body.error).slice(0, 64);
  const description = typeof body.error_description === "string" ? clean(body.error_description).slice(0, 200) || undefined : undefined;
  return code ? { code, description } : undefined;
}

/** Control characters out first (so nothing split by them rejoins later), then anything key- or token-like. */
const clean = (text: string) =>
  text
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
    .replace(/-----BEGIN[^]*?(-----END[^-]*-----|$)/g, "[redacted]")
    .replace(/[A-Za-z0-9+/_=.-]{40,}/g, "[redacted]")
    .trim();

function jsonOf(answer: OktaAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function headerOf(answer: OktaAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first && /^[\x21-\x7e]{1,512}$/.test(first) ? first : undefined;
}
