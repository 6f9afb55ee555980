import { afterAll, beforeAll, expect, it } from "vitest";
import { SECRET_CACHE_TTL_MS } from "../../functions/core/okta/access";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * Cost of a proxied call (contract section 7), counted on the real SDK clients: one DynamoDB read,
 * one Okta request, and KMS only when the decrypted credential is not warm (first use, after
 * 5 minutes, after new credentials).
 */
let h: Harness;
let clock = Date.parse("2026-01-01T00:00:00Z");

beforeAll(async () => {
  h = await startHarness({ now: () => clock });
  h.okta.route("GET /api/v1/users", () => ({ status: 200, body: [{ id: "00u1" }] }));
});
afterAll(() => h?.close());

it("a warm call costs one DynamoDB read, no KMS call, one Okta call; the cache ends at 5 minutes and at new credentials", async () => {
  const admin = await h.token({ orgId: "org-cost", orgRole: "admin" });
  const first = h.validOktaToken();
  const id = (await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: createBody(h, "costed", {}, first) })).body.appConnection.id;
  const path = `/api/v1/app-connections/okta/${id}/proxy/api/v1/users`;

  const measure = async () => {
    const seen = await h.untouched(); // (its table scan is not the call's)
    h.calls.reset();
    const res = await h.call("GET", path, { token: admin });
    expect(res.status, res.text).toBe(200);
    return { dynamo: { ...h.calls.counts, total: h.calls.total("dynamodb") }, decrypts: h.calls.counts["kms:DecryptCommand"] ?? 0, kms: h.calls.total("kms"), okta: seen.oktaCalls() };
  };

  const cold = await measure();
  expect(cold).toMatchObject({ decrypts: 1, kms: 1, okta: 1 });
  expect(cold.dynamo).toMatchObject({ "dynamodb:GetItemCommand": 1, total: 1 });
  for (let i = 0; i < 2; i++) {
    const warm = await measure();
    expect(warm).toMatchObject({ decrypts: 0, kms: 0, okta: 1 });
    expect(warm.dynamo).toMatchObject({ "dynamodb:GetItemCommand": 1, total: 1 });
  }
  expect(h.okta.requests.at(-1)!.headers.authorization).toBe(`SSWS ${first}`);

  clock += SECRET_CACHE_TTL_MS - 1;
  expect((await measure()).decrypts).toBe(0);
  clock += 2;
  expect((await measure()).decrypts).toBe(1); // past 5 minutes: opened again
  expect((await measure()).decrypts).toBe(0);

  const second = h.validOktaToken();
  const patched = await h.call("PATCH", `/api/v1/app-connections/okta/${id}`, { token: admin, body: { credentials: { instanceUrl: h.okta.origin, apiToken: second } } });
  expect(patched.status, patched.text).toBe(200);
  const after = await measure();
  expect(after.decrypts).toBe(1); // new credentialsHash: the old entry serves nothing
  expect(h.okta.requests.at(-1)!.headers.authorization).toBe(`SSWS ${second}`);
  expect((await measure()).decrypts).toBe(0);
});
