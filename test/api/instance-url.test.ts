import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedAddress } from "../../functions/core/okta/url-guard";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * instanceUrl's host with a trailing dot (the DNS root) is the same host: it is stored and
 * returned without the dot (contract section 6), and the guard's rules still apply to it.
 */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const NAME = "acme.okta-dot.test";

beforeAll(async () => {
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    if (hostname !== NAME) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return [{ address: "127.0.0.1", family: 4 }];
  };
  h = await startHarness({ resolve, oktaNames: [NAME] });
  admin = await h.token({ orgId: "org-dot", orgRole: "admin" });
});
afterAll(() => h?.close());

describe("instanceUrl with a trailing dot", () => {
  it("is stored and returned without the dot, on create and on PATCH, and the token is checked there", async () => {
    const port = new URL(h.okta.origin).port;
    const before = h.okta.requests.length;
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { ...createBody(h, "dotted"), credentials: { instanceUrl: `http://${NAME}.:${port}`, apiToken: h.validOktaToken() } },
    });
    expect(created.status).toBe(200);
    expect(created.body.appConnection.credentials).toEqual({ instanceUrl: `http://${NAME}:${port}` });
    expect(h.okta.requests.length).toBe(before + 1);
    const id = created.body.appConnection.id;
    const read = await h.call("GET", `${BASE}/${id}`, { token: admin });
    expect(read.body.appConnection.credentials.instanceUrl).toBe(`http://${NAME}:${port}`);

    const patched = await h.call("PATCH", `${BASE}/${id}`, {
      token: admin,
      body: { credentials: { instanceUrl: `http://${NAME.toUpperCase()}.:${port}/`, apiToken: h.validOktaToken() } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.appConnection.credentials.instanceUrl).toBe(`http://${NAME}:${port}`);
    expect((await h.call("POST", `${BASE}/${id}/validate`, { token: admin })).body.valid).toBe(true);
  });

  it("still meets the admin-console check, and a host of dots only is refused", async () => {
    const admin400 = await h.call("POST", BASE, {
      token: admin,
      body: { ...createBody(h, "dotted-admin"), credentials: { instanceUrl: "https://acme-admin.okta.com.", apiToken: h.validOktaToken() } },
    });
    expect(admin400.status).toBe(400);
    expect(admin400.body).toMatchObject({ error: "InvalidInstanceUrl" });
    expect(admin400.body.message).toContain("https://acme.okta.com");
    expect(admin400.body.message).not.toContain("okta.com.");

    const doubled = await h.call("POST", BASE, {
      token: admin,
      body: { ...createBody(h, "dotted-twice"), credentials: { instanceUrl: "https://acme.okta.com..", apiToken: h.validOktaToken() } },
    });
    expect(doubled.status).toBe(422);
  });
});
