import { key } from "./kms";
import { table } from "./table";

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set when deploying (see docs/deploy.md)`);
  return value;
};

const cursorSecret = new random.RandomPassword("CursorSecret", { length: 48, special: false });

/** One Lambda serves the Hono app; API Gateway's JWT authorizer is the first gate on /api/*. */
export const apiFunction = new sst.aws.Function("ApiFunction", {
  handler: "functions/api/lambda.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "29 seconds",
  link: [table],
  environment: {
    TABLE_NAME: table.name,
    KMS_KEY_ID: key.arn,
    CURSOR_SECRET: cursorSecret.result,
    AUTH_JWKS_URL: required("AUTH_JWKS_URL"),
    AUTH_ISSUER: required("AUTH_ISSUER"),
    AUTH_AUDIENCE: required("AUTH_AUDIENCE"),
  },
  permissions: [{ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key.arn] }],
});

export const api = new sst.aws.ApiGatewayV2("Api");

const authorizer = api.addAuthorizer({
  name: "jwt",
  jwt: { issuer: required("AUTH_ISSUER"), audiences: [required("AUTH_AUDIENCE")] },
});

for (const route of ["GET /healthz", "GET /openapi.json", "GET /docs"]) api.route(route, apiFunction.arn);
api.route("ANY /api/{proxy+}", apiFunction.arn, { auth: { jwt: { authorizer: authorizer.id } } });
