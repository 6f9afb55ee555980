import { WORST_PATHS, worstCaseMs } from "../functions/core/deadlines";
import { API_BUNDLE, lambdaCode } from "./bundle";
import { auth, healthSettings, logRetention, throttle } from "./config";
import { key } from "./kms";
import { apiLogGroup } from "./logs";
import { apiPolicy } from "./permissions";
import { apiRole } from "./roles";
import { credentialsHashKey } from "./secrets";
import { API_FUNCTION, PROTECTED_ROUTES, PUBLIC_ROUTES, TOKEN_SOURCE } from "./routes";
import { table } from "./table";

/** Above the sum of every deadline on the longest request path (JWKS, DNS, Okta, KMS, DynamoDB with retries): 30 s. */
const API_TIMEOUT_SECONDS = Math.ceil(worstCaseMs(WORST_PATHS.api) / 1000) + 1;

/** Signs paging cursors; generated once per stage and kept in the stack's state. */
const cursorSecret = new random.RandomPassword("CursorSecret", { length: 48, special: false });

/**
 * One Lambda serves the whole Hono app. API Gateway's JWT authorizer verifies every `/api/` token;
 * the function trusts the verified claims it hands over (functions/api/gateway-auth.ts), which is
 * safe because only this API may invoke the function (the route permissions SST creates, asserted
 * by check:infra; no function URL, no other principal).
 */
export const apiFunction = new sst.aws.Function(
  API_FUNCTION,
  {
    description: "Okta App Connections API",
    ...lambdaCode(API_BUNDLE),
    memory: "512 MB",
    timeout: `${API_TIMEOUT_SECONDS} seconds`,
    role: apiRole.arn,
    logging: { logGroup: apiLogGroup.name },
    environment: {
      TABLE_NAME: table.name,
      KMS_KEY_ID: key.arn,
      CURSOR_SECRET: cursorSecret.result,
      CREDENTIALS_HASH_KEY: credentialsHashKey.result,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      ...healthSettings,
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
