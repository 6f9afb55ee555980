import { afterAll, beforeAll, expect, it } from "vitest";
import { routeList } from "../../functions/api/app";
import { startHarness, type Harness } from "../support/harness";

let h: Harness;
beforeAll(async () => (h = await startHarness()));
afterAll(() => h.close());

it("documents every API route the app serves, from the same schemas it validates with", async () => {
  const res = await h.call("GET", "/openapi.json");
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.openapi).toBe("3.1.0");
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    // The proxy's `{path}` is the router's final `*`.
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\/\{path\}$/, "/*").replace(/\{(\w+)\}/g, ":$1")}`),
  );
  const served = routeList(h.app).filter((route) => route.includes(" /api/"));
  expect(served.length).toBe(16); // 11 + the proxy's five methods
  expect(documented.sort()).toEqual(served.sort());
  const create = doc.paths["/api/v1/app-connections/okta"].post;
  // One body per method (oneOf), each requiring its name, method and credentials.
  const bodies = create.requestBody.content["application/json"].schema.oneOf as { required: string[] }[];
  expect(bodies.length).toBeGreaterThan(0);
  for (const body of bodies) expect(body.required).toEqual(expect.arrayContaining(["name", "method", "credentials"]));
  expect(create.responses["422"]).toBeDefined();
  const patch = doc.paths["/api/v1/app-connections/okta/{connectionId}"].patch;
  expect(patch.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["connectionId", "If-Match"]));
  // The response schema has no place for the token.
  expect(JSON.stringify(create.responses["200"])).not.toContain("apiToken");
});

it("serves the interactive reference at /docs and health without a token", async () => {
  const docs = await h.call("GET", "/docs");
  expect(docs.status).toBe(200);
  expect(docs.headers.get("content-type")).toContain("text/html");
  expect(docs.text).toContain('data-url="/openapi.json"');
  expect((await h.call("GET", "/healthz")).body).toEqual({ status: "ok" });
  expect((await h.call("GET", "/healthz")).headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
  // The caller cannot choose the id that audit events will quote.
  const forged = await h.call("GET", "/api/v1/app-connections/okta", { headers: { "x-request-id": "forged-id" } });
  expect(forged.headers.get("x-request-id")).not.toBe("forged-id");
  expect(forged.body.reqId).toBe(forged.headers.get("x-request-id"));
});
