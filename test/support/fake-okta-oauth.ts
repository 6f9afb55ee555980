import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from "jose";

/**
 * A fake Okta org's OAuth 2.0 side, on 127.0.0.1: `POST /oauth2/v1/token` checks client assertions
 * the way Okta does (signature with the registered public key, `iss` = `sub` = client id, exact
 * `aud`, `exp` window, `jti` replay, allowed scopes) and, when asked to, demands DPoP proofs and a
 * nonce. `GET /api/v1/**` accepts the tokens it issued: Bearer, or DPoP with a valid proof.
 */
export interface TokenRequestSeen {
  form: Record<string, string>;
  assertionHeader?: Record<string, unknown>;
  assertion?: Record<string, unknown>;
  dpop?: { header: Record<string, unknown>; claims: Record<string, unknown> };
  status: number;
  error?: string;
}

export interface IssuedToken {
  clientId: string;
  scopes: string[];
  tokenType: "Bearer" | "DPoP";
  /** Thumbprint of the DPoP key the token is bound to. */
  jkt?: string;
}

export interface FakeOktaOAuth {
  origin: string;
  hostPort: string;
  tokenUrl: string;
  tokenRequests: TokenRequestSeen[];
  resourceRequests: { path: string; status: number; scheme?: string }[];
  issued: Map<string, IssuedToken>;
  /** Registers a service app: its public key and the scopes granted to it. */
  register(clientId: string, publicJwk: JWK, scopes: string[]): void;
  /** DPoP off, required, or required with a server nonce (answered `use_dpop_nonce` until sent). */
  dpop: "off" | "required" | "nonce";
  /** `expires_in` of the tokens it issues. */
  expiresIn: number;
  /** A scripted answer for the token endpoint, before any check; `null` restores the real behaviour. */
  tokenOverride: ((seen: TokenRequestSeen) => { status: number; headers?: Record<string, string>; body: unknown } | undefined) | null;
  /** Every request it received, in total. */
  count(): number;
  close(): Promise<void>;
}

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export async function startFakeOktaOAuth(): Promise<FakeOktaOAuth> {
  const clients = new Map<string, { jwk: JWK; scopes: string[] }>();
  const usedJti = new Set<string>();
  const usedProofJti = new Set<string>();
  const nonce = randomBytes(12).toString("base64url");
  let total = 0;

  const fake: FakeOktaOAuth = {
    origin: "",
    hostPort: "",
    tokenUrl: "",
    tokenRequests: [],
    resourceRequests: [],
    issued: new Map(),
    register: (clientId, jwk, scopes) => void clients.set(clientId, { jwk, scopes }),
    dpop: "off",
    expiresIn: 3600,
    tokenOverride: null,
    count: () => total,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  };

  type Answer = { status: number; headers?: Record<string, string>; body: unknown };
  const refuse = (seen: TokenRequestSeen, status: number, error: string, description: string, headers?: Record<string, string>): Answer => {
    seen.status = status;
    seen.error = error;
    return { status, headers, body: { error, error_description: description } };
  };

  async function token(form: Record<string, string>, dpopHeader: string | undefined): Promise<Answer> {
    const seen: TokenRequestSeen = { form, status: 0 };
    fake.tokenRequests.push(seen);
    try {
      seen.assertionHeader = decodeProtectedHeader(form.client_assertion ?? "") as Record<string, unknown>;
      seen.assertion = decodeJwt(form.client_assertion ?? "") as Record<string, unknown>;
    } catch {
      /* checked below */
    }
    if (dpopHeader) seen.dpop = { header: decodeProtectedHeader(dpopHeader) as Record<string, unknown>, claims: decodeJwt(dpopHeader) as Record<string, unknown> };
    const scripted = fake.tokenOverride?.(seen);
    if (scripted) return (seen.status = scripted.status), scripted;
    if (form.grant_type !== "client_credentials") return refuse(seen, 400, "unsupported_grant_type", "The grant_type is not supported.");
    if (form.client_assertion_type !== ASSERTION_TYPE || !seen.assertion) return refuse(seen, 401, "invalid_client", "Client authentication failed.");
    const clientId = String(seen.assertion.iss);
    const client = clients.get(clientId);
    if (!client) return refuse(seen, 401, "invalid_client", "The client_id is invalid.");
    try {
      const key = await importJWK(client.jwk, String(seen.assertionHeader?.alg));
      await jwtVerify(form.client_assertion!, key, { issuer: clientId, subject: clientId, audience: fake.tokenUrl, algorithms: ["RS256", "ES256"] });
    } catch {
      return refuse(seen, 401, "invalid_client", "The client_assertion signature is invalid.");
    }
    const { iat, exp, jti } = seen.assertion as { iat?: number; exp?: number; jti?: string };
    if (typeof iat !== "number" || typeof exp !== "number" || exp - iat > 300 || exp <= Date.now() / 1000) {
      return refuse(seen, 401, "invalid_client", "The client_assertion exp is out of bounds.");
    }
    if (typeof jti !== "string" || usedJti.has(jti)) return refuse(seen, 401, "invalid_client", "The client_assertion token has already been used.");
    usedJti.add(jti);
    const scopes = (form.scope ?? "").split(" ");
    const denied = scopes.filter((scope) => !client.scopes.includes(scope));
    if (denied.length > 0) return refuse(seen, 400, "invalid_scope", `The following scopes are not allowed: ${denied.join(", ")}`);
    let jkt: string | undefined;
    if (fake.dpop !== "off") {
      if (!dpopHeader) return refuse(seen, 400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.");
      const proof = await checkProof(dpopHeader, "POST", fake.tokenUrl, usedProofJti);
      if (typeof proof === "string") return refuse(seen, 400, "invalid_dpop_proof", proof);
      if (fake.dpop === "nonce" && proof.claims.nonce !== nonce) return refuse(seen, 400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", { "DPoP-Nonce": nonce });
      jkt = proof.jkt;
    }
    const accessToken = randomBytes(32).toString("base64url");
    const tokenType = jkt ? "DPoP" : "Bearer";
    fake.issued.set(accessToken, { clientId, scopes, tokenType, jkt });
    seen.status = 200;
    return { status: 200, body: { token_type: tokenType, expires_in: fake.expiresIn, access_token: accessToken, scope: scopes.join(" ") } };
  }

  async function resource(req: http.IncomingMessage, path: string): Promise<Answer> {
    const [scheme, value] = (req.headers.authorization ?? "").split(" ");
    const seen: { path: string; status: number; scheme?: string } = { path, status: 401, scheme };
    fake.resourceRequests.push(seen);
    const issued = value ? fake.issued.get(value) : undefined;
    const deny = (summary: string): Answer => ({ status: 401, body: { errorCode: "E0000011", errorSummary: summary } });
    if (!issued || scheme !== issued.tokenType) return deny("Invalid token provided");
    if (issued.tokenType === "DPoP") {
      const header = req.headers.dpop;
      if (typeof header !== "string") return deny("DPoP proof missing");
      const proof = await checkProof(header, req.method ?? "", fake.origin + path.split("?")[0], usedProofJti);
      if (typeof proof === "string") return deny(proof);
      if (proof.jkt !== issued.jkt) return deny("DPoP proof key does not match the token");
      if (proof.claims.ath !== createHash("sha256").update(value!).digest("base64url")) return deny("DPoP ath does not match the token");
    }
    seen.status = 200;
    return { status: 200, body: { id: "00ufake", profile: { login: "service@example.com" } } };
  }

  const server = http.createServer((req, res) => {
    total++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const path = req.url ?? "/";
      const answer =
        req.method === "POST" && path === "/oauth2/v1/token"
          ? await token(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))), req.headers.dpop as string | undefined)
          : path.startsWith("/api/v1/")
            ? await resource(req, path)
            : { status: 404, body: { errorCode: "E0000007", errorSummary: "Not found" } };
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  fake.hostPort = `127.0.0.1:${port}`;
  fake.origin = `http://${fake.hostPort}`;
  fake.tokenUrl = `${fake.origin}/oauth2/v1/token`;
  return fake;
}

/** RFC 9449 section 4.3 checks of one proof; a string is the reason it fails. */
async function checkProof(proof: string, htm: string, htu: string, usedJti: Set<string>) {
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== "dpop+jwt" || header.alg !== "ES256" || !header.jwk || "d" in header.jwk) return "DPoP proof header is invalid";
    const { payload } = await jwtVerify(proof, await importJWK(header.jwk, "ES256"), { typ: "dpop+jwt", maxTokenAge: 60 });
    if (payload.htm !== htm || payload.htu !== htu) return `DPoP proof htm/htu mismatch (${String(payload.htm)} ${String(payload.htu)})`;
    if (typeof payload.jti !== "string" || usedJti.has(payload.jti)) return "DPoP proof jti replayed";
    usedJti.add(payload.jti);
    return { claims: payload as Record<string, unknown>, jkt: await calculateJwkThumbprint(header.jwk) };
  } catch (error) {
    return `DPoP proof is invalid (${(error as Error).message})`;
  }
}
