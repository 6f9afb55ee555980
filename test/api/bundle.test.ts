import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/build";

/**
 * The API Lambda as `npm run build` ships it: what a cold start loads, and whether the chunks it
 * loads on first use are really there and work from the built files.
 */
const ROOT = join(import.meta.dirname, "..", "..");
let outdir: string;
let atStart: string[];
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

const ISSUER = "https://issuer.example.test/";
const AUDIENCE = "okta-app-connections";

/** `claims`: what API Gateway's JWT authorizer hands over after verifying the token. */
const get = (rawPath: string, claims?: Record<string, string>, headers: Record<string, string> = {}) =>
  handler(
    {
      version: "2.0",
      routeKey: "$default",
      rawPath,
      rawQueryString: "",
      headers: { host: "api.example.test", ...headers, ...(claims ? { authorization: "Bearer verified.by.gateway" } : {}) },
      requestContext: {
        accountId: "123456789012",
        apiId: "api",
        domainName: "api.example.test",
        domainPrefix: "api",
        http: { method: "GET", path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
        requestId: "bundle-test",
        routeKey: "$default",
        stage: "$default",
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      },
      isBase64Encoded: false,
    },
    {} as Context,
  );

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "api-bundle-"));
  const report = await bundle("api-bundle-test", join(ROOT, "functions", "api", "lambda.ts"), outdir);
  atStart = report.startInputs;
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    TABLE_NAME: "bundle-test",
    KMS_KEY_ID: "arn:aws:kms:us-east-1:123456789012:key/0b7f3c1e-1111-2222-3333-444455556666",
    CURSOR_SECRET: "bundle-test-cursor-secret-0123456789",
    CREDENTIALS_HASH_KEY: "bundle-test-credentials-hash-key-0123456789",
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
  });
  ({ handler } = await import(pathToFileURL(join(ROOT, report.file)).href));
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("the built API bundle", () => {
  it("loads the API at a cold start, and leaves the OpenAPI generator, the response schemas and the console for first use", () => {
    expect(atStart).toContain("functions/api/app.ts");
    expect(atStart).toContain("functions/core/connections/schemas.ts");
    const onFirstUse = [
      "functions/api/openapi.ts",
      "functions/api/responses.ts",
      "functions/console/content.ts",
      "functions/console/assets.gen.ts",
      "node_modules/zod/v4/core/json-schema-processors.js",
      "node_modules/zod/v4/core/to-json-schema.js",
      "functions/api/docs-asset.ts",
    ];
    expect(atStart.filter((input) => onFirstUse.includes(input))).toEqual([]);
    // The API reference's 4 MB script is in the build, but never loaded at a cold start.
    expect(atStart.filter((input) => input.includes("@scalar/"))).toEqual([]);
  });

  it("loads no JWT verification at a cold start: API Gateway's authorizer verified the token", () => {
    const verification = atStart.filter((input) => input.startsWith("node_modules/jose/") || input === "functions/api/auth.ts");
    expect(verification).toEqual([]);
    expect(atStart).toContain("functions/api/gateway-auth.ts");
    expect(atStart).toContain("functions/api/claims.ts");
  });

  it("answers an authenticated request from the authorizer's claims, with no JWKS configured or fetched", async () => {
    const claims = { sub: "u1", org_id: "org-b", org_role: "admin", iss: ISSUER, aud: AUDIENCE, exp: String(Math.floor(Date.now() / 1000) + 600) };
    const options = await get("/api/v1/app-connections/options", claims);
    expect(options.statusCode).toBe(200);
    expect(JSON.parse(options.body).appConnectionOptions.length).toBeGreaterThan(0);
    expect((await get("/api/v1/app-connections/options")).statusCode).toBe(401);
  });

  it("serves the parts loaded on first use from its own chunks", async () => {
    const openApi = await get("/openapi.json");
    expect(openApi.statusCode).toBe(200);
    expect(Object.keys(JSON.parse(openApi.body).paths)).toContain("/api/v1/app-connections/okta/{connectionId}");
    const page = await get("/console");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<!doctype html>");
    const script = await get("/console/app.js");
    expect(script.statusCode).toBe(200);
    expect(script.headers?.["content-type"]).toContain("javascript");
  });

  it("serves /docs and the API reference's script from the built files (no node_modules needed)", async () => {
    const page = await get("/docs");
    expect(page.statusCode).toBe(200);
    expect(page.headers?.["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/docs/api-reference.js"></script>');
    const plain = await get("/docs/api-reference.js");
    expect(plain.statusCode).toBe(200);
    expect(plain.headers?.["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.body.length).toBeGreaterThan(100_000);
    expect(plain.body).toContain("api-reference");
    // Compressed, and so base64-encoded by the adapter: well under Lambda's 6 MB answer limit.
    const gz = (await get("/docs/api-reference.js", undefined, { "accept-encoding": "gzip, br" })) as APIGatewayProxyResult & { isBase64Encoded?: boolean };
    expect(gz.headers?.["content-encoding"]).toBe("gzip");
    expect(gz.isBase64Encoded).toBe(true);
    expect(gz.body.length).toBeLessThan(3 * 1024 * 1024);
    expect(gunzipSync(Buffer.from(gz.body, "base64")).toString("utf8")).toBe(plain.body);
  });
});
