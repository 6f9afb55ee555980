import { API_BUNDLE, lambdaCode } from "./bundle";
import { auth, logRetention, throttle } from "./config";
import { key } from "./kms";
import { apiLogGroup } from "./logs";
import { apiPolicy } from "./permissions";
import { apiRole } from "./roles";
import { credentialsHashKey } from "./secrets";
import { API_FUNCTION, PROTECTED_ROUTES, PUBLIC_ROUTES, TOKEN_SOURCE } from "./routes";
import { table } from "./table";

/** Signs paging cursors; generated once per stage and kept in the stack's state. */
const cursorSecret = new random.RandomPassword("CursorSecret", { length: 48, special: false });

/**
 * One Lambda serves the whole Hono app. It still verifies every bearer token itself against the
 * issuer's JWKS: API Gateway's authorizer is the first gate, not the only one.
 */
export const apiFunction = new sst.aws.Function(
  API_FUNCTION,
  {
    description: "Okta App Connections API",
    ...lambdaCode(API_BUNDLE),
    memory: "512 MB",
    timeout: "20 seconds",
    role: apiRole.arn,
    logging: { logGroup: apiLogGroup.name },
    environment: {
      TABLE_NAME: table.name,
      KMS_KEY_ID: key.arn,
      CURSOR_SECRET: cursorSecret.result,
      CREDENTIALS_HASH_KEY: credentialsHashKey.result,
      AUTH_JWKS_URL: auth.jwksUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      ...(auth.algorithm ? { AUTH_JWT_ALGORITHM: auth.algorithm } : {}),
    },
  },
  // The function never runs without its permissions.
  { dependsOn: [apiPolicy] },
);

/** HTTP API: throttled, access-logged, no CORS (the console is served from the same origin). */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: false,
  accessLog: { retention: logRetention.name },
  transform: {
    stage: (args) => {
      args.defaultRouteSettings = { throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit };
    },
  },
});

export const authorizer = api.addAuthorizer({
  name: "Jwt",
  jwt: { issuer: auth.issuer, audiences: [auth.audience], identitySource: TOKEN_SOURCE },
});

for (const route of PUBLIC_ROUTES) api.route(route, apiFunction.arn);
for (const route of PROTECTED_ROUTES) api.route(route, apiFunction.arn, { auth: { jwt: { authorizer: authorizer.id } } });
