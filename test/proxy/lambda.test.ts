import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from "aws-lambda";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startLocalKms, type LocalKms } from "../../functions/core/crypto/local-kms";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { ensureTable } from "../../functions/core/storage/table";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";

/** The proxy in the Lambda handler, driven by hand-built API Gateway HTTP API v2 events with raw paths. */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

let handler: Handler;
let kms: LocalKms;
let okta: FakeOkta;
let jwks: Server;
let token: string;
let apiToken: string;
let id: string;
const ISSUER = "https://issuer.example.test/";
const AUDIENCE = "okta-app-connections";
const DOMAIN = "abc123.execute-api.eu-west-1.amazonaws.com";

function event(method: string, rawPath: string, opts: { body?: string; query?: string; headers?: Record<string, string>; stage?: string } = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: DOMAIN, authorization: `Bearer ${token}`, ...opts.headers };
  return {
    version: "2.0",
    routeKey: "ANY /api/{proxy+}",
    rawPath,
    rawQueryString: opts.query ?? "",
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: DOMAIN,
      domainPrefix: "abc123",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "ANY /api/{proxy+}",
      stage: opts.stage ?? "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: opts.body,
    isBase64Encoded: false,
  };
}

const invoke = async (e: APIGatewayProxyEventV2) => {
  const result = await handler(e, {} as Context);
  let json: any;
  try {
    json = JSON.parse(result.body);
  } catch {
    json = undefined;
  }
  return { ...result, json };
};
const proxied = (rest: string) => `/api/v1/app-connections/okta/${id}/proxy/${rest}`;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
  token = await new SignJWT({ sub: "u-lambda", org_id: "org-lp", org_role: "admin" })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime("1h")
    .sign(privateKey);

  kms = await startLocalKms({});
  okta = await startFakeOkta();
  const tableName = `lambda-proxy-${randomUUID()}`;
  const dynamo = createDynamoClient({ endpoint: inject("dynamoEndpoint") });
  await ensureTable(dynamo, tableName);
  dynamo.destroy();
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: inject("dynamoEndpoint"),
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    TABLE_NAME: tableName,
    KMS_KEY_ID: kms.keyId,
    CURSOR_SECRET: "lambda-test-cursor-secret",
    AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    OKTA_INSECURE_ALLOWLIST: okta.hostPort,
  });
  ({ handler } = (await import("../../functions/api/lambda")) as unknown as { handler: Handler });

  apiToken = sampleToken("lambda-proxy");
  okta.validTokens.add(apiToken);
  const body = JSON.stringify({ name: "lambda-proxied", method: "api-token", credentials: { instanceUrl: okta.origin, apiToken }, proxy: { allow: ["GET /api/v1/**", "POST /api/v1/users"] } });
  const created = await invoke(event("POST", "/api/v1/app-connections/okta", { body, headers: { "content-type": "application/json" } }));
  expect(created.statusCode, created.body).toBe(200);
  id = created.json.appConnection.id;
  okta.route("GET /api/v1/users", (req) => ({
    status: 200,
    headers: { link: `<${okta.origin}${req.path}>; rel="self", <${okta.origin}/api/v1/users?after=00u1&limit=1>; rel="next"`, "x-rate-limit-remaining": "41" },
    body: [{ id: "00u1" }],
  }));
  okta.route("POST /api/v1/users", (req) => ({ status: 201, body: { created: JSON.parse(req.body) } }));
});

afterAll(async () => {
  await okta?.close();
  await kms?.close();
  await new Promise((r) => jwks.close(r));
});

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
