import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startLocalKms, type LocalKms } from "../../functions/core/crypto/local-kms";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { ensureTable } from "../../functions/core/storage/table";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";

/**
 * The Lambda entry point in AWS mode, driven by hand-built HTTP API v2 events: API Gateway's JWT
 * authorizer has verified the token, and its claims arrive as strings in
 * `requestContext.authorizer.jwt.claims`; KMS by key id.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

let handler: Handler;
let kms: LocalKms;
let okta: FakeOkta;
const ISSUER = "https://issuer.example.test/";
const AUDIENCE = "okta-app-connections";

/** The claims as the authorizer passes them on: every value a string. */
const gatewayClaims = (claims: Record<string, string> = {}) => ({
  sub: "u1",
  org_id: "org-l",
  org_role: "admin",
  iss: ISSUER,
  aud: AUDIENCE,
  exp: String(Math.floor(Date.now() / 1000) + 3600),
  iat: String(Math.floor(Date.now() / 1000)),
  ...claims,
});

interface EventOptions {
  /** The authorizer's verified claims; `null`: a request with no authorizer context. */
  claims?: Record<string, string> | null;
  body?: unknown;
  query?: string;
  headers?: Record<string, string>;
}

function event(method: string, rawPath: string, opts: EventOptions = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: "api.example.test", "content-type": "application/json", ...opts.headers };
  const claims = opts.claims === undefined ? gatewayClaims() : opts.claims;
  if (claims) headers.authorization ??= "Bearer header.payload.signature";
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
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

const invoke = async (e: APIGatewayProxyEventV2) => {
  const result = await handler(e, {} as Context);
  return { ...result, json: JSON.parse(result.body) };
};

beforeAll(async () => {
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
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    OKTA_INSECURE_ALLOWLIST: okta.hostPort,
  });
  ({ handler } = (await import("../../functions/api/lambda")) as unknown as { handler: Handler });
});

afterAll(async () => {
  await okta.close();
  await kms.close();
});

const LIST = "/api/v1/app-connections/okta";

describe("Lambda handler (API Gateway HTTP API v2)", () => {
  it("creates, reads and deletes with the claims API Gateway's authorizer verified", async () => {
    const apiToken = sampleToken("lambda");
    okta.validTokens.add(apiToken);
    const body = { name: "from-lambda", method: "api-token", projectId: "p1", credentials: { instanceUrl: okta.origin, apiToken } };
    const created = await invoke(event("POST", LIST, { body }));
    expect(created.statusCode).toBe(200);
    expect(created.json.appConnection).toMatchObject({ name: "from-lambda", projectId: "p1", orgId: "org-l", version: 1 });
    expect(created.body).not.toContain(apiToken);
    expect(created.headers?.["x-request-id"]).toBeTruthy();

    const id = created.json.appConnection.id;
    const listed = await invoke(event("GET", LIST, { query: "projectId=p1" }));
    expect(listed.json.appConnections.map((c: { id: string }) => c.id)).toEqual([id]);
    const validated = await invoke(event("POST", `${LIST}/${id}/validate`));
    expect(validated.json.valid).toBe(true);
    const deleted = await invoke(event("DELETE", `${LIST}/${id}`));
    expect(deleted.statusCode).toBe(200);
    expect((await invoke(event("GET", `${LIST}/${id}`))).statusCode).toBe(404);
  });

  it("reads project roles from the authorizer's string forms of `projects` (Go map text, JSON text)", async () => {
    const apiToken = sampleToken("lambda-roles");
    okta.validTokens.add(apiToken);
    const body = { name: "roles", method: "api-token", projectId: "p:2", credentials: { instanceUrl: okta.origin, apiToken } };
    expect((await invoke(event("POST", LIST, { body }))).statusCode).toBe(200);
    for (const projects of ["map[p1:admin p:2:viewer]", '{"p:2":"viewer"}']) {
      const viewer = gatewayClaims({ sub: "u2", org_role: "member", projects });
      const listed = await invoke(event("GET", LIST, { claims: viewer, query: "projectId=p:2" }));
      expect(listed.statusCode, projects).toBe(200);
      expect(listed.json.appConnections.map((c: { name: string }) => c.name)).toEqual(["roles"]);
      // A viewer may read, not create.
      const refused = await invoke(event("POST", LIST, { claims: viewer, body: { ...body, name: "by-viewer" } }));
      expect(refused.statusCode, projects).toBe(403);
    }
    // No projects claim: a plain member has no role in p:2.
    const member = gatewayClaims({ sub: "u3", org_role: "member" });
    expect((await invoke(event("GET", LIST, { claims: member, query: "projectId=p:2" }))).statusCode).toBe(403);
  });

  it("is 401 without authorizer claims, even with a bearer header: it verifies no token itself", async () => {
    const res = await invoke(event("GET", LIST, { claims: null, headers: { authorization: "Bearer a.b.c" } }));
    expect(res.statusCode).toBe(401);
    expect(res.json.error).toBe("Unauthorized");
  });

  it("refuses claims of another issuer or audience, expired ones and malformed ones", async () => {
    const past = String(Math.floor(Date.now() / 1000) - 10);
    const refused: Record<string, string>[] = [
      { iss: "https://evil.example/" },
      { aud: "other" },
      { exp: past },
      { exp: "soon" },
      { projects: "map[p1]" },
      { projects: "p1:admin" },
      { projects: "map[p1:owner]" },
      { org_id: "" },
      { org_role: "root" },
    ];
    for (const claims of refused) {
      const res = await invoke(event("GET", LIST, { claims: gatewayClaims(claims) }));
      expect(res.statusCode, JSON.stringify(claims)).toBe(401);
      expect(res.json.error).toBe("Unauthorized");
    }
    // An audience list, as the authorizer renders an array claim, is fine when it holds ours.
    const many = await invoke(event("GET", LIST, { claims: gatewayClaims({ aud: `[other ${AUDIENCE}]` }) }));
    expect(many.statusCode).toBe(200);
  });

  it("serves health, the OpenAPI document and the error envelope for unknown routes", async () => {
    expect((await invoke(event("GET", "/healthz", { claims: null }))).json).toEqual({ status: "ok" });
    expect((await invoke(event("GET", "/openapi.json", { claims: null }))).json.openapi).toBe("3.1.0");
    const missing = await invoke(event("GET", "/nope", { claims: null }));
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ statusCode: 404, error: "NotFound" });
  });
});
