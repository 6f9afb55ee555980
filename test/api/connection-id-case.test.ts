import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";

/** Connection ids are UUIDs matched case-insensitively (README, API section), on every id route. */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-case", orgRole: "admin" });
});
afterAll(() => h?.close());

describe("connection id case", () => {
  it("finds the connection by its id in upper case for get, patch, validate and delete", async () => {
    const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "case-one") });
    const id: string = created.body.appConnection.id;
    expect(id).toBe(id.toLowerCase());
    const upper = id.toUpperCase();
    expect(upper).not.toBe(id);

    const got = await h.call("GET", `${BASE}/${upper}`, { token: admin });
    expect(got.status).toBe(200);
    expect(got.body.appConnection.id).toBe(id);
    const patched = await h.call("PATCH", `${BASE}/${upper}`, { token: admin, body: { description: "upper" } });
    expect(patched.status).toBe(200);
    expect(patched.body.appConnection).toMatchObject({ id, description: "upper", version: 2 });
    const mixed = upper.slice(0, 8) + id.slice(8);
    const validated = await h.call("POST", `${BASE}/${mixed}/validate`, { token: admin });
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(true);
    const deleted = await h.call("DELETE", `${BASE}/${upper}`, { token: admin });
    expect(deleted.status).toBe(200);
    expect(deleted.body.appConnection.id).toBe(id);
    expect((await h.call("GET", `${BASE}/${id}`, { token: admin })).status).toBe(404);
  });

  it("still refuses what is not a UUID with 422", async () => {
    expect((await h.call("GET", `${BASE}/NOT-A-UUID`, { token: admin })).status).toBe(422);
  });
});
