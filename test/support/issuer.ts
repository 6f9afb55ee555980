import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";

export const ISSUER = "https://issuer.example.test/";
export const AUDIENCE = "okta-app-connections";

/** How the JWKS endpoint answers: its key set, a 500, or its key set after `delayMs`. */
export type JwksMode = { kind: "ok" } | { kind: "error"; status: number; body?: string } | { kind: "slow"; delayMs: number };

/**
 * An identity provider on loopback: an RS256 key pair whose public half its JWKS endpoint serves
 * (kid `k1`), and tokens signed with it. `foreignToken` is signed by a key the JWKS does not hold.
 */
export async function startIssuer() {
  const own = await generateKeyPair("RS256");
  const foreign = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(own.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  let mode: JwksMode = { kind: "ok" };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    const current = mode;
    if (current.kind === "error") return void res.writeHead(current.status, { "content-type": "application/json" }).end(current.body ?? "{}");
    const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    if (current.kind === "slow") setTimeout(answer, current.delayMs).unref();
    else answer();
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const sign = (key: CryptoKey, kid: string, claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("1h").sign(key);
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    setMode: (next: JwksMode) => void (mode = next),
    fetches: () => fetches,
    token: (claims: Record<string, unknown>) => sign(own.privateKey, "k1", claims),
    foreignToken: (claims: Record<string, unknown>) => sign(foreign.privateKey, "k2", claims),
    close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}

export type Issuer = Awaited<ReturnType<typeof startIssuer>>;
