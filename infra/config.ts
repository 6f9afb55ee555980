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

/**
 * API Gateway's JWT authorizer verifies RSA signatures only: a stack set to any other algorithm
 * would refuse every token, so it is refused here, at deploy time.
 */
export const GATEWAY_ALGORITHMS = ["RS256", "RS384", "RS512"] as const;

function gatewayAlgorithm(): string | undefined {
  const value = process.env.AUTH_JWT_ALGORITHM?.trim() || undefined;
  if (value !== undefined && !(GATEWAY_ALGORITHMS as readonly string[]).includes(value))
    throw new Error(`AUTH_JWT_ALGORITHM=${value} is not supported: API Gateway's JWT authorizer verifies ${GATEWAY_ALGORITHMS.join(", ")} only`);
  return value;
}

/**
 * The OIDC issuer whose tokens the API accepts. API Gateway's JWT authorizer verifies them (it
 * finds the keys through the issuer's discovery document); the function only reads the verified
 * claims, and checks issuer and audience again.
 */
export const auth = {
  issuer: required("AUTH_ISSUER"),
  audience: required("AUTH_AUDIENCE"),
  /** Optional, RSA only; the authorizer accepts whatever RSA algorithm the issuer's key names. */
  algorithm: gatewayAlgorithm(),
};

/** An IAM role or user ARN (or an account root), as SQS compares `aws:PrincipalArn`. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/[\w+=,.@\/-]+)$/;

/**
 * `PROVISIONING_PRODUCERS`: comma-separated IAM principal ARNs (roles or users) that may send to the
 * provisioning intake queue. Required: the queue's policy admits these and denies everyone else.
 */
export const provisioningProducers = (() => {
  const producers = required("PROVISIONING_PRODUCERS").split(",").map((s) => s.trim()).filter(Boolean);
  const bad = producers.filter((arn) => !PRINCIPAL_ARN.test(arn));
  if (bad.length > 0) throw new Error(`PROVISIONING_PRODUCERS must list IAM role or user ARNs; not one: ${bad.join(", ")}`);
  return [...new Set(producers)];
})();

/**
 * Contract section 8, the same in every function that records health (the API's validate, the
 * intake, the checker): every connection is checked at least this often; at most this many checks
 * in flight towards one Okta org.
 */
export const healthSettings = {
  HEALTH_CHECK_INTERVAL_S: String(positive("HEALTH_CHECK_INTERVAL_S", 86_400)),
  HEALTH_CHECK_CONCURRENCY: String(positive("HEALTH_CHECK_CONCURRENCY", 2)),
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
