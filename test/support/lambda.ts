import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from "aws-lambda";
import { inject } from "vitest";
import { startLocalKms, type LocalKms } from "../../functions/core/crypto/local-kms";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { ensureTable } from "../../functions/core/storage/table";
import { startFakeOkta, type FakeOkta } from "./fake-okta";

/**
 * The API Lambda in AWS mode, as API Gateway's HTTP API (payload v2) drives it: a fresh table on the
 * suite's DynamoDB Local, the local KMS by key id, a fake Okta, and hand-built events whose
 * `requestContext.authorizer.jwt.claims` are what the JWT authorizer verified (every value a string).
 */
export type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

export const ISSUER = "https://issuer.example.test/";
export const AUDIENCE = "okta-app-connections";

/** The claims as the authorizer passes them on. */
export const gatewayClaims = (claims: Record<string, string> = {}) => ({
  sub: "u1",
  org_id: "org-l",
  org_role: "admin",
  iss: ISSUER,
  aud: AUDIENCE,
  exp: String(Math.floor(Date.now() / 1000) + 3600),
  iat: String(Math.floor(Date.now() / 1000)),
  ...claims,
});

export interface EventOptions {
  /** The authorizer's verified claims; `null`: a request with no authorizer context. */
  claims?: Record<string, string> | null;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  query?: string;
  headers?: Record<string, string>;
  domain?: string;
  stage?: string;
}

export function lambdaEvent(method: string, rawPath: string, opts: EventOptions = {}): APIGatewayProxyEventV2 {
  const domain = opts.domain ?? "api.example.test";
  const headers: Record<string, string> = { host: domain, "content-type": "application/json", ...opts.headers };
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
      apiId: domain.split(".")[0],
      domainName: domain,
      domainPrefix: domain.split(".")[0],
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: opts.stage ?? "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

export interface LambdaRig {
  handler: Handler;
  okta: FakeOkta;
  kms: LocalKms;
  /** Runs one event; `json` is the parsed body, when it is JSON. */
  invoke(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResult & { json: any }>;
  close(): Promise<void>;
}

/** Sets the Lambda's environment and imports its entry point (once per test file: it builds at import). */
export async function startLambda(): Promise<LambdaRig> {
  const kms = await startLocalKms({});
  const okta = await startFakeOkta();
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
  const { handler } = (await import("../../functions/api/lambda")) as unknown as { handler: Handler };
  return {
    handler,
    okta,
    kms,
    async invoke(event) {
      const result = await handler(event, {} as Context);
      let json: unknown;
      try {
        json = JSON.parse(result.body);
      } catch {
        json = undefined;
      }
      return { ...result, json };
    },
    async close() {
      await okta.close();
      await kms.close();
    },
  };
}
