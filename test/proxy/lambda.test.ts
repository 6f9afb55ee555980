import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleToken, type FakeOkta } from "../support/fake-okta";
import { gatewayClaims, lambdaEvent, startLambda, type EventOptions, type LambdaRig } from "../support/lambda";

/** The proxy in the Lambda handler, driven by hand-built API Gateway HTTP API v2 events with raw paths. */
let rig: LambdaRig;
let okta: FakeOkta;
let apiToken: string;
let id: string;
const DOMAIN = "abc123.execute-api.eu-west-1.amazonaws.com";
const event = (method: string, rawPath: string, opts: EventOptions = {}) =>
  lambdaEvent(method, rawPath, { domain: DOMAIN, claims: gatewayClaims({ sub: "u-lambda", org_id: "org-lp" }), ...opts });
const invoke: LambdaRig["invoke"] = (e) => rig.invoke(e);
const proxied = (rest: string) => `/api/v1/app-connections/okta/${id}/proxy/${rest}`;

beforeAll(async () => {
  rig = await startLambda();
  okta = rig.okta;

  apiToken = sampleToken("lambda-proxy");
  okta.validTokens.add(apiToken);
  const body = JSON.stringify({ name: "lambda-proxied", method: "api-token", credentials: { instanceUrl: okta.origin, apiToken }, proxy: { allow: ["GET /api/v1/**", "POST /api/v1/users"] } });
  const created = await invoke(event("POST", "/api/v1/app-connections/okta", { body }));
  expect(created.statusCode, created.body).toBe(200);
  id = created.json.appConnection.id;
  okta.route("GET /api/v1/users", (req) => ({
    status: 200,
    headers: { link: `<${okta.origin}${req.path}>; rel="self", <${okta.origin}/api/v1/users?after=00u1&limit=1>; rel="next"`, "x-rate-limit-remaining": "41" },
    body: [{ id: "00u1" }],
  }));
  okta.route("POST /api/v1/users", (req) => ({ status: 201, body: { created: JSON.parse(req.body) } }));
});

afterAll(() => rig.close());

describe("the proxy in the Lambda handler", () => {
  it("passes the raw query as given, answers Okta's body and rewrites link to API Gateway's domain", async () => {
    const before = okta.requests.length;
    const res = await invoke(event("GET", proxied("api/v1/users"), { query: "limit=1&limit=2&q=a%2Bb", headers: { "x-forwarded-host": "evil.example", cookie: "c=1" } }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json).toEqual([{ id: "00u1" }]);
    expect(res.headers?.["x-upstream"]).toBe("okta");
    expect(res.headers?.["x-rate-limit-remaining"]).toBe("41");
    expect(okta.requests.length - before).toBe(1);
    const sent = okta.requests.at(-1)!;
    expect(sent.path).toBe("/api/v1/users?limit=1&limit=2&q=a%2Bb");
    expect(sent.headers.authorization).toBe(`SSWS ${apiToken}`);
    expect(sent.headers.cookie).toBeUndefined();
    const base = `https://${DOMAIN}/api/v1/app-connections/okta/${id}/proxy`;
    expect(res.headers?.link).toBe(`<${base}/api/v1/users?limit=1&limit=2&q=a%2Bb>; rel="self", <${base}/api/v1/users?after=00u1&limit=1>; rel="next"`);
    expect(res.body).not.toContain(apiToken);
  });

  it("a named stage keeps its prefix in the links", async () => {
    const res = await invoke(event("GET", `/prod${proxied("api/v1/users")}`, { stage: "prod" }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers?.link).toContain(`<https://${DOMAIN}/prod/api/v1/app-connections/okta/${id}/proxy/api/v1/users?after=00u1&limit=1>; rel="next"`);
  });

  it("writes with a JSON body where the policy allows; refuses others with 403", async () => {
    const created = await invoke(event("POST", proxied("api/v1/users"), { body: '{"profile":{"login":"x@example.com"}}' }));
    expect(created.statusCode).toBe(201);
    expect(created.json).toEqual({ created: { profile: { login: "x@example.com" } } });
    expect(okta.requests.at(-1)!.headers["content-type"]).toBe("application/json");
    const refused = await invoke(event("DELETE", proxied("api/v1/users/00u1")));
    expect(refused.statusCode).toBe(403);
    expect(refused.json.message).toContain("DELETE /api/v1/users/00u1");
    expect(refused.headers?.["x-upstream"]).toBeUndefined();
  });

  it.each([
    "api/v1/users/../groups",
    "api/v1/./users",
    "api/v1/%2e%2e/groups",
    "api/v1/%2E%2e/groups",
    "api/v1/users%2F00u1",
    "api/v1\\users",
    "api/v1//users",
    "api/v1/../../../../../../healthz",
    "api/v2/users",
  ])("refuses the raw path %s with 422, before anything leaves", async (trick) => {
    const before = okta.requests.length;
    const res = await invoke(event("GET", proxied(trick)));
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json).toMatchObject({ error: "ValidationFailure" });
    expect(res.headers?.["x-upstream"]).toBeUndefined();
    expect(okta.requests.length).toBe(before);
  });
});
