import * as z from "zod/mini";
import { DEADLINES } from "./deadlines";

/**
 * Every environment variable the service reads, parsed once (contract section 5). Entry points
 * pass `process.env`; nothing else reads the environment.
 */
const nonEmpty = z.string().check(z.minLength(1));
/** An HS256 key shorter than the hash output (RFC 7518 section 3.2) is refused. */
export const HS256_MIN_SECRET_BYTES = 32;
const tableName = (name: string, fallback: string) =>
  z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, `${name} must be a valid DynamoDB table name`)), fallback);
const integer = (name: string, min: number, max: number, fallback: number) => {
  const message = `${name} must be an integer from ${min} to ${max}`;
  const digits = z.pipe(z.string().check(z.regex(/^[0-9]{1,9}$/, message)), z.transform(Number));
  return z._default(z.pipe(digits, z.int().check(z.minimum(min, message), z.maximum(max, message))), fallback);
};

const envSchema = z.object({
  PORT: integer("PORT", 0, 65535, 8787),
  /** The stand-in Okta org of `npm run start:demo` and `npm run provision -- --demo-okta`. */
  DEMO_OKTA_PORT: integer("DEMO_OKTA_PORT", 1, 65535, 8788),
  DATA_DIR: z._default(nonEmpty, ".data"),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  TABLE_NAME: tableName("TABLE_NAME", "app-connections"),
  KMS_KEY_ID: z.optional(nonEmpty),
  /** Provisioning's idempotency records (Powertools); created at start in local mode when missing. */
  IDEMPOTENCY_TABLE_NAME: tableName("IDEMPOTENCY_TABLE_NAME", "app-connections-idempotency"),
  /** EventBridge bus of change and provisioning events (AWS); local runs write DATA_DIR/events.jsonl. */
  EVENT_BUS_NAME: z.optional(nonEmpty),
  AUTH_JWT_SECRET: z.optional(
    z.string().check(
      z.refine((secret) => new TextEncoder().encode(secret).length >= HS256_MIN_SECRET_BYTES, `AUTH_JWT_SECRET must be at least ${HS256_MIN_SECRET_BYTES} bytes`),
    ),
  ),
  AUTH_JWKS_URL: z.optional(z.url()),
  AUTH_ISSUER: z.optional(nonEmpty),
  AUTH_AUDIENCE: z.optional(nonEmpty),
  /** The algorithm accepted with JWKS (never `none`); local mode always uses HS256. */
  AUTH_JWT_ALGORITHM: z._default(z.enum(["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]), "RS256"),
  /** Key that signs paging cursors; generated into DATA_DIR locally, required in AWS. */
  CURSOR_SECRET: z.optional(z.string().check(z.minLength(16))),
  /** Key of the `credentialsHash` HMAC; generated into DATA_DIR locally, required in AWS. */
  CREDENTIALS_HASH_KEY: z.optional(z.string().check(z.minLength(32, "CREDENTIALS_HASH_KEY must be at least 32 characters"))),
  OKTA_INSECURE_ALLOWLIST: z.optional(z.string()),
  OKTA_TIMEOUT_MS: integer("OKTA_TIMEOUT_MS", 1, 60_000, DEADLINES.oktaMs),
  /** Section 8: every connection is checked at least this often (seconds). */
  HEALTH_CHECK_INTERVAL_S: integer("HEALTH_CHECK_INTERVAL_S", 1, 31_536_000, 86_400),
  /** Section 8: checks in flight at once towards one Okta org. */
  HEALTH_CHECK_CONCURRENCY: integer("HEALTH_CHECK_CONCURRENCY", 1, 100, 2),
  /** AWS: the queue the sweep fills for the checker. */
  HEALTH_QUEUE_URL: z.optional(z.url()),
  AWS_REGION: z.optional(z.string()),
});

export type Config = z.output<typeof envSchema> & { oktaInsecureAllowlist: string[] };

export class ConfigError extends Error {}

/** Parses `OKTA_INSECURE_ALLOWLIST` ("127.0.0.1:4000, localhost:8443") into trimmed `host:port` entries. */
export function parseAllowlist(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const nonEmpty = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  // Parsed once per process: zod's compiled fast path for objects (generated code, then compiled)
  // would cost more at a cold start than it could ever save.
  const parsed = envSchema.safeParse(nonEmpty, { jitless: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const config = { ...parsed.data, oktaInsecureAllowlist: parseAllowlist(parsed.data.OKTA_INSECURE_ALLOWLIST) };
  if (config.AUTH_JWKS_URL) jwksSettings(config);
  return config;
}

/** The issuer settings of AWS mode: a JWKS without its issuer and audience would accept any token it signs. */
export function jwksSettings(config: Config): { url: string; issuer: string; audience: string; algorithm: Config["AUTH_JWT_ALGORITHM"] } {
  const { AUTH_JWKS_URL: url, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } = config;
  const missing = [!url && "AUTH_JWKS_URL", !issuer && "AUTH_ISSUER", !audience && "AUTH_AUDIENCE"].filter(Boolean);
  if (!url || !issuer || !audience) throw new ConfigError(`AWS-mode authentication needs AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE together: set ${missing.join(" and ")}`);
  return { url, issuer, audience, algorithm: config.AUTH_JWT_ALGORITHM };
}
