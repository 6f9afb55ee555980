import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOktaOAuth } from "../support/fake-okta-oauth";
import type { Harness } from "../support/harness";
import { makeKeyPair } from "../support/service-app-keys";
import { BASE, SCOPES, startOAuthRig, type OAuthRig } from "./rig";

/**
 * A `client-credentials` connection used through the proxy route (sections 7 and 9): the proxy
 * does not know the method, the access port turns the stored key into access tokens, one token
 * request serves many calls, and new credentials never reuse an old token.
 */
let rig: OAuthRig;
let h: Harness;
let okta: FakeOktaOAuth;
let admin: string;
const ORG = "org-oauth-proxy";

beforeAll(async () => {
  rig = await startOAuthRig(ORG);
  ({ h, okta, admin } = rig);
});
afterAll(() => rig.close());

const serviceApp = (name: string, clientId: string) => rig.serviceApp(name, clientId);
const tokenRequestsOf = (clientId: string) => rig.tokenRequestsOf(clientId);
const credentials = (clientId: string, privateKey: unknown) => rig.credentials(clientId, privateKey);
const proxiedMe = (id: string) => h.call("GET", `${BASE}/${id}/proxy/api/v1/users/me`, { token: admin });

describe("client-credentials through the proxy", () => {
  it("50 proxied GETs cost one token request, each answered by Okta with the service's own token", async () => {
    const { id } = await serviceApp("proxy-svc", "0oaproxysvc");
    const before = tokenRequestsOf("0oaproxysvc");
    const seen = okta.resourceRequests.length;
    for (let i = 0; i < 50; i++) {
      const res = await proxiedMe(id);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("x-upstream")).toBe("okta");
      expect(res.body).toEqual({ id: "00ufake", profile: { login: "service@example.com" } });
    }
    // Create's validation asked for a token of its own (validation never caches): the calls share one more.
    expect(tokenRequestsOf("0oaproxysvc") - before).toBe(1);
    expect(okta.resourceRequests.slice(seen).map((r) => [r.status, r.scheme])).toEqual(Array(50).fill([200, "Bearer"]));
  });

  it("new credentials get a new token on the next proxied call, and the old token is not sent again", async () => {
    const { id } = await serviceApp("proxy-rotate", "0oaproxyrotate");
    expect((await proxiedMe(id)).status).toBe(200);
    const oldToken = [...okta.issued.keys()].at(-1)!;
    const rotated = makeKeyPair("rsa", { kid: "0oaproxyrotate-k2" });
    okta.register("0oaproxyrotate", rotated.publicJwk, SCOPES);
    const current = await h.call("GET", `${BASE}/${id}`, { token: admin });
    const patch = await h.call("PATCH", `${BASE}/${id}`, {
      token: admin,
      headers: { "if-match": String(current.body.appConnection.version) },
      body: { credentials: credentials("0oaproxyrotate", rotated.pem) },
    });
    expect(patch.status, patch.text).toBe(200);
    const before = tokenRequestsOf("0oaproxyrotate");
    expect((await proxiedMe(id)).status).toBe(200);
    expect(tokenRequestsOf("0oaproxyrotate") - before).toBe(1);
    const newToken = [...okta.issued.keys()].at(-1)!;
    expect(newToken).not.toBe(oldToken);
  });

  it("the private key appears in no answer or log line of the proxied calls", async () => {
    const { id, keys } = await serviceApp("proxy-secret", "0oaproxysecret");
    const res = await proxiedMe(id);
    const d = (keys.privateJwk as { d: string }).d;
    expect(res.text).not.toContain(d);
    expect(h.logs.join("\n")).not.toContain(d);
  });
});
