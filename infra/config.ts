/**
 * Deploy-time settings, read once from the deployer's environment (docs/deploy.md). Nothing else in
 * `infra/` reads `process.env`.
 */
const required = (name: string) => {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} must be set when deploying (see docs/deploy.md)`);
  return value;
};

const positive = (name: string, fallback: number) => {
  const raw = process.env[name]?.trim();
  const value = raw ? Number(raw) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

/** The OIDC issuer whose tokens the API accepts: checked by API Gateway's JWT authorizer and again by the app. */
export const auth = {
  issuer: required("AUTH_ISSUER"),
  audience: required("AUTH_AUDIENCE"),
  jwksUrl: required("AUTH_JWKS_URL"),
  /** Optional; the app defaults to RS256. */
  algorithm: process.env.AUTH_JWT_ALGORITHM?.trim() || undefined,
};

/** Stage-wide API Gateway throttling (requests per second, and the burst bucket). */
export const throttle = {
  rateLimit: positive("API_THROTTLE_RATE", 50),
  burstLimit: positive("API_THROTTLE_BURST", 100),
};

/** sst.config.ts marks production stages `protect`; they also keep their data on removal. */
export const isProduction = $app.protect;

/** How long the function's logs and the API's access logs are kept (SST's name and CloudWatch's days). */
export const logRetention = isProduction ? ({ name: "1 year", days: 365 } as const) : ({ name: "1 month", days: 30 } as const);
