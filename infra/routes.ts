/**
 * API Gateway's route table for the one Lambda that serves the Hono app, as plain data (no SST
 * globals) so the offline check can read it too. Every `/api/*` request goes through the JWT
 * authorizer; the few public pages are listed one by one, and anything else is API Gateway's 404.
 */
/** The SST name of the function behind every route (its Lambda resource is `${API_FUNCTION}Function`). */
export const API_FUNCTION = "ApiFunction";

export const PROTECTED_ROUTES = ["ANY /api/{proxy+}"] as const;

/** Health, the API reference (its page and the script it loads), and the web console's pages (served by the same app). */
export const PUBLIC_ROUTES = [
  "GET /healthz",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/api-reference.js",
  "GET /",
  "GET /console",
  "GET /console/{proxy+}",
] as const;

/** The header API Gateway reads the bearer token from. */
export const TOKEN_SOURCE = "$request.header.Authorization";
