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

/** The Lambda entry point in AWS mode: JWKS auth, KMS by key id, driven by hand-built HTTP API v2 events. */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

let handler: Handler;
let kms: LocalKms;
let okta: FakeOkta;
let jwks: Server;
let sign: (claims: Record<string, unknown>, opts?: { issuer?: string; audience?: string }) => Promise<string>;
const ISSUER = "https://issuer.example.test/";
const AUDIENCE = "okta-app-connections";

function event(method: string, rawPath: string, opts: { token?: string; body?: unknown; query?: string; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: "api.example.test", "content-type": "application/json", ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: opts.query ?? "",
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.test",
      domainPrefix: "api",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    isBase64Encoded: false,
  };
}

const invoke = async (e: APIGatewayProxyEventV2) => {
  const result = await handler(e, {} as Context);
  return { ...result, json: JSON.parse(result.body) };
};

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
  sign = (claims, opts = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? AUDIENCE)
      .setExpirationTime("1h")
      .sign(privateKey);

  kms = await startLocalKms({});
  okta = await startFakeOkta();
  const tableName = `lambda-${randomUUID()}`;
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
    CREDENTIALS_HASH_KEY: "lambda-test-credentials-hash-key-0123456789",
    AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    OKTA_INSECURE_ALLOWLIST: okta.hostPort,
  });
  ({ handler } = (await import("../../functions/api/lambda")) as unknown as { handler: Handler });
});

afterAll(async () => {
  await okta.close();
  await kms.close();
  await new Promise((r) => jwks.close(r));
});

describe("Lambda handler (API Gateway HTTP API v2)", () => {
  it("creates, reads and deletes through hand-built events with JWKS-verified tokens", async () => {
    const token = await sign({ sub: "u1", org_id: "org-l", org_role: "admin" });
    const apiToken = sampleToken("lambda");
    okta.validTokens.add(apiToken);
    const body = { name: "from-lambda", method: "api-token", projectId: "p1", credentials: { instanceUrl: okta.origin, apiToken } };
    const created = await invoke(event("POST", "/api/v1/app-connections/okta", { token, body }));
    expect(created.statusCode).toBe(200);
    expect(created.json.appConnection).toMatchObject({ name: "from-lambda", projectId: "p1", orgId: "org-l", version: 1 });
    expect(created.body).not.toContain(apiToken);
    expect(created.headers?.["x-request-id"]).toBeTruthy();

    const id = created.json.appConnection.id;
    const listed = await invoke(event("GET", "/api/v1/app-connections/okta", { token, query: "projectId=p1" }));
    expect(listed.json.appConnections.map((c: { id: string }) => c.id)).toEqual([id]);
    const validated = await invoke(event("POST", `/api/v1/app-connections/okta/${id}/validate`, { token }));
    expect(validated.json.valid).toBe(true);
    const deleted = await invoke(event("DELETE", `/api/v1/app-connections/okta/${id}`, { token }));
    expect(deleted.statusCode).toBe(200);
    expect((await invoke(event("GET", `/api/v1/app-connections/okta/${id}`, { token }))).statusCode).toBe(404);
  });

  it("refuses tokens of another issuer or audience, HS256 tokens, and no token", async () => {
    const claims = { sub: "u1", org_id: "org-l", org_role: "admin" };
    for (const token of [await sign(claims, { issuer: "https://evil.example/" }), await sign(claims, { audience: "other" })]) {
      const res = await invoke(event("GET", "/api/v1/app-connections/okta", { token }));
      expect(res.statusCode).toBe(401);
      expect(res.json.error).toBe("Unauthorized");
    }
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(32)));
    expect((await invoke(event("GET", "/api/v1/app-connections/okta", { token: hs }))).statusCode).toBe(401);
    expect((await invoke(event("GET", "/api/v1/app-connections/okta"))).statusCode).toBe(401);
  });

  it("serves health, the OpenAPI document and the error envelope for unknown routes", async () => {
    expect((await invoke(event("GET", "/healthz"))).json).toEqual({ status: "ok" });
    expect((await invoke(event("GET", "/openapi.json"))).json.openapi).toBe("3.1.0");
    const missing = await invoke(event("GET", "/nope"));
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ statusCode: 404, error: "NotFound" });
  });
});
