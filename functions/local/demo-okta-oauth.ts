import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, importSPKI, type CryptoKey, type JWK } from "jose";

/** Under DATA_DIR: one public key per demo service app, `<clientId>.jwk.json` (a public JWK) or `<clientId>.pem` (SPKI PEM). */
export const DEMO_CLIENTS_DIR = "demo-okta-clients";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const TOKEN_LIFETIME_S = 3600;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

type Answer = { status: number; body: unknown };

/**
 * The demo Okta's OAuth 2.0 side (`npm run start:demo`): `POST /oauth2/v1/token` for service apps
 * whose public key the user put in DATA_DIR/demo-okta-clients (npm run keygen does). It checks the
 * client assertion like Okta (signature, `iss` = `sub` = client id, exact `aud`, `exp`, `jti` once),
 * grants any `okta.*` scope, and issues Bearer tokens (no DPoP in the demo) that its resource routes accept.
 */
export function createDemoOAuth(clientsDir: string) {
  const issued = new Map<string, number>(); // access token -> expiry (epoch ms)
  const usedJti = new Set<string>();
  const refuse = (status: number, error: string, description: string): Answer => ({ status, body: { error, error_description: description } });

  async function keyOf(clientId: string, alg: string): Promise<CryptoKey | ReturnType<typeof createLocalJWKSet> | undefined> {
    if (!CLIENT_ID.test(clientId)) return undefined;
    const jwkFile = join(clientsDir, `${clientId}.jwk.json`);
    const pemFile = join(clientsDir, `${clientId}.pem`);
    if (existsSync(jwkFile)) {
      const jwk = JSON.parse(readFileSync(jwkFile, "utf8")) as JWK | { keys: JWK[] };
      return createLocalJWKSet("keys" in jwk ? jwk : { keys: [jwk] });
    }
    if (existsSync(pemFile)) return importSPKI(readFileSync(pemFile, "utf8"), alg);
    return undefined;
  }

  return {
    /** `POST /oauth2/v1/token`, form fields as Okta takes them. */
    async token(form: URLSearchParams, tokenUrl: string): Promise<Answer> {
      if (form.get("grant_type") !== "client_credentials") return refuse(400, "unsupported_grant_type", "The grant_type is not supported.");
      const assertion = form.get("client_assertion") ?? "";
      if (form.get("client_assertion_type") !== ASSERTION_TYPE || !assertion) return refuse(401, "invalid_client", "Client authentication is required (private_key_jwt).");
      let clientId: string;
      let header: { alg?: string };
      try {
        clientId = String(decodeJwt(assertion).iss);
        header = decodeProtectedHeader(assertion);
      } catch {
        return refuse(401, "invalid_client", "The client_assertion is not a JWT.");
      }
      const key = await keyOf(clientId, header.alg ?? "RS256").catch(() => undefined);
      if (!key) return refuse(401, "invalid_client", `No demo service app ${clientId}: put its public key in ${DEMO_CLIENTS_DIR}/${clientId}.jwk.json (npm run keygen).`);
      let payload;
      try {
        ({ payload } = await jwtVerify(assertion, key as Parameters<typeof jwtVerify>[1], { issuer: clientId, subject: clientId, audience: tokenUrl, algorithms: ["RS256", "ES256"] }));
      } catch (error) {
        return refuse(401, "invalid_client", `The client_assertion was refused: ${(error as Error).message}`);
      }
      if (typeof payload.exp !== "number" || typeof payload.iat !== "number" || payload.exp - payload.iat > 3600) {
        return refuse(401, "invalid_client", "The client_assertion exp must be at most 1 hour after iat.");
      }
      if (typeof payload.jti !== "string" || usedJti.has(payload.jti)) return refuse(401, "invalid_client", "The client_assertion token has already been used.");
      usedJti.add(payload.jti);
      const scopes = (form.get("scope") ?? "").split(" ");
      if (!scopes.every((scope) => /^okta\.[A-Za-z0-9.]+$/.test(scope))) return refuse(400, "invalid_scope", "The demo grants okta.* scopes only.");
      const accessToken = randomBytes(32).toString("base64url");
      for (const [token, until] of issued) if (until <= Date.now()) issued.delete(token);
      issued.set(accessToken, Date.now() + TOKEN_LIFETIME_S * 1000);
      return { status: 200, body: { token_type: "Bearer", expires_in: TOKEN_LIFETIME_S, access_token: accessToken, scope: scopes.join(" ") } };
    },

    /** Whether an `Authorization` header carries an access token this demo issued and that is still valid. */
    accepts(authorization: string | undefined): boolean {
      const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
      const until = token ? issued.get(token) : undefined;
      return until !== undefined && until > Date.now();
    },

    /** The client ids with a registered key, for the start banner. */
    clients: () => (existsSync(clientsDir) ? readdirSync(clientsDir).map((f) => f.replace(/\.(jwk\.json|pem)$/, "")) : []),
  };
}
