import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * Every 422 names the field and the rule it broke, never zod's bare "Invalid input"; the same
 * wording comes from one translation (functions/core/validation.ts) for every field.
 */
const BASE = "/api/v1/app-connections/okta";
let h: Harness;
let admin: string;
let connectionId: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-messages", orgRole: "admin" });
  const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "messages-base") });
  connectionId = created.body.appConnection.id;
});
afterAll(() => h.close());

const TOKEN = `00${"a".repeat(40)}`;
const valid = () => ({ name: "ok-name", method: "api-token", credentials: { instanceUrl: "https://acme.okta.com", apiToken: TOKEN } });
const withChange = (change: (b: any) => void) => {
  const body: any = valid();
  change(body);
  return body;
};

type Row = [label: string, method: "POST" | "PATCH", body: unknown, message: string];
const rows: Row[] = [
  ["an unknown key", "POST", { ...valid(), foo: 1 }, "body.foo is not allowed"],
  ["two unknown keys, each named", "POST", { ...valid(), foo: 1, bar: 2 }, "body.foo is not allowed; body.bar is not allowed"],
  ["an unknown key inside credentials", "POST", withChange((b) => (b.credentials.extra = "x")), "body.credentials.extra is not allowed"],
  ["a method that does not exist", "POST", { ...valid(), method: "oauth" }, "body.method must be one of: api-token, client-credentials"],
  ["no method", "POST", withChange((b) => delete b.method), "body.method must be one of: api-token, client-credentials"],
  ["no name", "POST", withChange((b) => delete b.name), "body.name is required"],
  ["a name of the wrong type", "POST", { ...valid(), name: 5 }, "body.name must be a string"],
  ["a name too long (the schema's own rule, with the field's full path)", "POST", { ...valid(), name: "a".repeat(65) }, "body.name must be at most 64 characters"],
  ["credentials without apiToken", "POST", withChange((b) => delete b.credentials.apiToken), "body.credentials must send both instanceUrl and apiToken"],
  ["credentials without instanceUrl", "PATCH", { credentials: { apiToken: TOKEN } }, "body.credentials must send both instanceUrl and apiToken"],
  ["empty credentials", "PATCH", { credentials: {} }, "body.credentials must send both instanceUrl and apiToken"],
  ["credentials that are not an object", "POST", { ...valid(), credentials: "x" }, "body.credentials must be an object"],
  ["a PATCH sending projectId", "PATCH", { projectId: "other", description: "d" }, "body.projectId cannot change after creation"],
  ["a PATCH with nothing to change", "PATCH", {}, "send at least one of name, description, credentials or proxy"],
  ["a body that is an array", "POST", [valid()], "body must be a JSON object"],
  ["a body that is a string", "POST", "name", "body must be a JSON object"],
  ["a body that is null", "POST", null, "body must be a JSON object"],
  ["a PATCH body that is an array", "PATCH", [], "body must be a JSON object"],
  ["a compatibility field with another value", "POST", { ...valid(), isPlatformManagedCredentials: true }, "body.isPlatformManagedCredentials must be false"],
  ["gatewayId set", "POST", { ...valid(), gatewayId: "gw-1" }, "body.gatewayId must be null"],
  ["description of the wrong type", "PATCH", { description: 3 }, "body.description must be a string"],
];

describe("422 messages name the field and the rule", () => {
  it.each(rows)("%s", async (_label, method, body, message) => {
    const path = method === "POST" ? BASE : `${BASE}/${connectionId}`;
    const res = await h.call(method, path, { token: admin, body });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error).toBe("ValidationFailure");
    expect(res.body.message).toBe(message);
    expect(res.text).not.toContain("Invalid input");
    // details: the full path of each field, and its rule by the field's own name (what a form shows).
    for (const detail of res.body.details) {
      expect(detail.path).toMatch(/^body(\.|$)/);
      expect(detail.message).not.toContain("Invalid input");
    }
  });

  it("details carry the field's path and its rule, for a form to show beside the field", async () => {
    const res = await h.call("POST", BASE, { token: admin, body: { ...valid(), name: "a".repeat(65), foo: 1 } });
    expect(res.body.details).toHaveLength(2);
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { path: "body.foo", message: "foo is not allowed" },
        { path: "body.name", message: "name must be at most 64 characters" },
      ]),
    );
  });

  it("query and path parameters are named the same way", async () => {
    const list = await h.call("GET", `${BASE}?projectId=`, { token: admin });
    expect(list.status).toBe(422);
    expect(list.body.message).toBe("query.projectId must be 1-128 letters, digits, '_', '.', ':' or '-'");
    const byId = await h.call("GET", `${BASE}/not-a-uuid`, { token: admin });
    expect(byId.body.message).toBe("params.connectionId must be a UUID");
  });

  it("never echoes the value it refused", async () => {
    const secret = `00${"S".repeat(39)}!`;
    const res = await h.call("POST", BASE, { token: admin, body: withChange((b) => (b.credentials.apiToken = secret)) });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/^body\.credentials\.apiToken must be an Okta API token/);
    expect(res.text).not.toContain(secret);
  });
});
