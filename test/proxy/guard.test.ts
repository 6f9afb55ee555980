import { afterAll, beforeAll, expect, it } from "vitest";
import type { ResolvedAddress } from "../../functions/core/okta/url-guard";
import { createBody, startHarness, type Harness } from "../support/harness";

/** Section 4's guard on every proxied call: the instanceUrl is resolved, checked and pinned each time. */
let h: Harness;
let answer: ResolvedAddress[] = [{ address: "127.0.0.1", family: 4 }];
const lookups: string[] = [];
const HOST = "okta-pinned.test";

beforeAll(async () => {
  h = await startHarness({
    oktaNames: [HOST],
    resolve: async (host) => {
      lookups.push(host);
      return answer;
    },
  });
  h.okta.route("GET /api/v1/users", () => ({ status: 200, body: [] }));
});
afterAll(() => h?.close());

it("resolves and pins the instanceUrl on every call; a name that no longer resolves is refused before Okta", async () => {
  const admin = await h.token({ orgId: "org-guard", orgRole: "admin" });
  const instanceUrl = `http://${HOST}:${h.okta.hostPort.split(":")[1]}`;
  const created = await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: { ...createBody(h, "pinned"), credentials: { instanceUrl, apiToken: h.validOktaToken() } } });
  expect(created.status, created.text).toBe(200);
  const path = `/api/v1/app-connections/okta/${created.body.appConnection.id}/proxy/api/v1/users`;

  for (let i = 1; i <= 2; i++) {
    const before = lookups.length;
    const res = await h.call("GET", path, { token: admin });
    expect(res.status).toBe(200);
    expect(lookups.length - before, `call ${i} resolves the name again`).toBe(1);
    expect(h.okta.requests.at(-1)!.headers.host).toBe(`${HOST}:${h.okta.hostPort.split(":")[1]}`); // sent to the pinned address, by name
  }

  answer = [];
  const seen = await h.untouched();
  const refused = await h.call("GET", path, { token: admin });
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ error: "InvalidInstanceUrl" });
  expect(refused.headers.get("x-upstream")).toBeNull();
  await seen.check();
});
