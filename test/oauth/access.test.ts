import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOktaOAuth } from "../support/fake-okta-oauth";
import type { Harness } from "../support/harness";
import { makeKeyPair } from "../support/service-app-keys";
import { BASE, SCOPES, startOAuthRig, type OAuthRig } from "./rig";

/**
 * The access port with client-credentials connections: what the proxy and health checks call
 * (test/oauth/proxy.test.ts drives the same through the proxy route).
 */
let rig: OAuthRig;
let h: Harness;
let okta: FakeOktaOAuth;
let admin: string;
const ORG = "org-oauth-access";

beforeAll(async () => {
  rig = await startOAuthRig(ORG);
  ({ h, okta, admin } = rig);
});
afterAll(() => rig.close());

const connection = async (name: string, clientId: string) => (await rig.serviceApp(name, clientId)) as { id: string };
const recordOf = async (id: string) => (await h.store.getById(ORG, id))!;
const tokenRequestsOf = (clientId: string) => rig.tokenRequestsOf(clientId);

/** Sends an authorized request to the fake's resource route, as the proxy would. */
async function call(target: { origin: string }, path: string, headers: Record<string, string>, method = "GET") {
  return (await fetch(target.origin + path, { method, headers })).status;
}

describe("authorize(record, request) for client-credentials", () => {
  it("many calls, concurrent and sequential, cost one token request; each Bearer request is accepted", async () => {
    const conn = await connection("acc-bearer", "0oabearer");
    const record = await recordOf(conn.id);
    const first = tokenRequestsOf("0oabearer");
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => h.access.authorize(record, { method: "GET", path: "/api/v1/users/me" })));
    for (let i = 0; i < 10; i++) concurrent.push(await h.access.authorize(record, { method: "GET", path: "/api/v1/users/me" }));
    expect(tokenRequestsOf("0oabearer") - first).toBe(1);
    const header = concurrent[0]!.headers.Authorization!;
    expect(header).toMatch(/^Bearer [A-Za-z0-9_-]+$/);
    for (const auth of concurrent) {
      expect(auth.headers).toEqual({ Authorization: header });
      expect(await call(auth.target, "/api/v1/users/me", auth.headers)).toBe(200);
    }
  });

  it("a DPoP-bound token goes as 'DPoP <token>' with a fresh proof (ath, htm, htu without query) per request", async () => {
    okta.dpop = "nonce";
    try {
      const conn = await connection("acc-dpop", "0oadpopaccess");
      const record = await recordOf(conn.id);
      const first = tokenRequestsOf("0oadpopaccess");
      const requests = [
        { method: "GET", path: "/api/v1/users?limit=2&q=a" },
        { method: "GET", path: "/api/v1/groups" },
        { method: "POST", path: "/api/v1/users/me" },
      ];
      const proofs = new Set<string>();
      for (const request of [...requests, ...requests]) {
        const auth = await h.access.authorize(record, request);
        expect(auth.headers.Authorization).toMatch(/^DPoP /);
        proofs.add(auth.headers.DPoP!);
        // The fake checks the proof's signature, htm, htu, ath, its key's thumbprint and refuses a replayed jti.
        expect(await call(auth.target, request.path, auth.headers, request.method)).toBe(200);
      }
      expect(proofs.size).toBe(6);
      expect(tokenRequestsOf("0oadpopaccess") - first).toBe(1);
      expect(okta.resourceRequests.slice(-6).map((r) => [r.scheme, r.status])).toEqual(Array(6).fill(["DPoP", 200]));
    } finally {
      okta.dpop = "off";
    }
  });

  it("new credentials get a new token; the old one is not reused", async () => {
    const conn = await connection("acc-rotate", "0oarotate");
    const before = await h.access.authorize(await recordOf(conn.id), { method: "GET", path: "/api/v1/users/me" });
    const keys = makeKeyPair("rsa", { kid: "second" });
    okta.register("0oarotate", keys.publicJwk, SCOPES);
    const patched = await h.call("PATCH", `${BASE}/${conn.id}`, {
      token: admin,
      body: { credentials: { instanceUrl: okta.origin, clientId: "0oarotate", scopes: SCOPES, privateKey: keys.pem } },
    });
    expect(patched.status, patched.text).toBe(200);
    const sent = tokenRequestsOf("0oarotate");
    const after = await h.access.authorize(await recordOf(conn.id), { method: "GET", path: "/api/v1/users/me" });
    expect(tokenRequestsOf("0oarotate")).toBe(sent + 1);
    expect(okta.tokenRequests.at(-1)!.assertionHeader).toEqual({ alg: "RS256" });
    expect(after.headers.Authorization).not.toBe(before.headers.Authorization);
  });

  it("validate always asks Okta anew, even with a token cached", async () => {
    const conn = await connection("acc-validate", "0oavalidate");
    await h.access.authorize(await recordOf(conn.id), { method: "GET", path: "/api/v1/users/me" });
    const sent = tokenRequestsOf("0oavalidate");
    for (let i = 0; i < 3; i++) expect((await h.call("POST", `${BASE}/${conn.id}/validate`, { token: admin })).body.valid).toBe(true);
    expect(tokenRequestsOf("0oavalidate")).toBe(sent + 3);
  });

  it("a token that expires within 60 s is not reused", async () => {
    const conn = await connection("acc-short", "0oashort");
    okta.expiresIn = 50;
    try {
      const record = await recordOf(conn.id);
      const sent = tokenRequestsOf("0oashort");
      await h.access.authorize(record, { method: "GET", path: "/api/v1/users/me" });
      await h.access.authorize(record, { method: "GET", path: "/api/v1/users/me" });
      expect(tokenRequestsOf("0oashort")).toBe(sent + 2);
    } finally {
      okta.expiresIn = 3600;
    }
  });

  it("a refused token request reaches the caller as the contract's error", async () => {
    const conn = await connection("acc-refused", "0oarefusedaccess");
    okta.tokenOverride = () => ({ status: 401, body: { error: "invalid_client", error_description: "Client deactivated." } });
    try {
      await expect(h.access.authorize(await recordOf(conn.id), { method: "GET", path: "/api/v1/users/me" })).rejects.toMatchObject({
        code: "InvalidCredentials",
        message: expect.stringContaining("Client deactivated."),
      });
    } finally {
      okta.tokenOverride = null;
    }
  });
});
