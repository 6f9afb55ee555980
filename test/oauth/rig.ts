import { expect } from "vitest";
import { startFakeOktaOAuth, type FakeOktaOAuth } from "../support/fake-okta-oauth";
import { startHarness, type Harness } from "../support/harness";
import { makeKeyPair, type TestKeyPair } from "../support/service-app-keys";

export const BASE = "/api/v1/app-connections/okta";
export const SCOPES = ["okta.users.read"];

/** The service (harness) and a fake Okta token endpoint, with an org admin of `orgId`. */
export interface OAuthRig {
  h: Harness;
  okta: FakeOktaOAuth;
  admin: string;
  /** The credentials of a service app of the fake, with this private key. */
  credentials(clientId: string, privateKey: unknown): { instanceUrl: string; clientId: string; scopes: string[]; privateKey: unknown };
  /** Registers an EC service app with the fake and creates its connection through the API. */
  serviceApp(name: string, clientId: string): Promise<{ id: string; keys: TestKeyPair }>;
  /** Token requests the fake received from `clientId` so far. */
  tokenRequestsOf(clientId: string): number;
  close(): Promise<void>;
}

export async function startOAuthRig(orgId: string): Promise<OAuthRig> {
  const okta = await startFakeOktaOAuth();
  const h = await startHarness({ allowOkta: [okta.hostPort] });
  const admin = await h.token({ orgId, orgRole: "admin" });
  const credentials = (clientId: string, privateKey: unknown) => ({ instanceUrl: okta.origin, clientId, scopes: SCOPES, privateKey });
  return {
    h,
    okta,
    admin,
    credentials,
    async serviceApp(name, clientId) {
      const keys = makeKeyPair("ec", { kid: `${clientId}-k1` });
      okta.register(clientId, keys.publicJwk, SCOPES);
      const res = await h.call("POST", BASE, { token: admin, body: { name, method: "client-credentials", credentials: credentials(clientId, keys.privateJwk) } });
      expect(res.status, res.text).toBe(200);
      return { id: res.body.appConnection.id as string, keys };
    },
    tokenRequestsOf: (clientId) => okta.tokenRequests.filter((r) => r.assertion?.iss === clientId).length,
    async close() {
      await h.close();
      await okta.close();
    },
  };
}
