import * as z from "zod";
import { parseAllowlist } from "./okta/url-guard";

/**
 * Every environment variable the service reads, parsed once (contract section 5). Entry points
 * pass `process.env`; nothing else reads the environment.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATA_DIR: z.string().min(1).default(".data"),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "TABLE_NAME must be a valid DynamoDB table name").default("app-connections"),
  KMS_KEY_ID: z.string().min(1).optional(),
  /** Provisioning's idempotency records (Powertools); created at start in local mode when missing. */
  IDEMPOTENCY_TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "IDEMPOTENCY_TABLE_NAME must be a valid DynamoDB table name").default("app-connections-idempotency"),
  /** EventBridge bus of change and provisioning events (AWS); local runs write DATA_DIR/events.jsonl. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  AUTH_JWT_SECRET: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  /** The algorithm accepted with JWKS (never `none`); local mode always uses HS256. */
  AUTH_JWT_ALGORITHM: z.enum(["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]).default("RS256"),
  /** Key that signs paging cursors; generated into DATA_DIR locally, required in AWS. */
  CURSOR_SECRET: z.string().min(16).optional(),
  OKTA_INSECURE_ALLOWLIST: z.string().optional(),
  OKTA_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(10_000),
  AWS_REGION: z.string().optional(),
});

export type Config = z.output<typeof envSchema> & { oktaInsecureAllowlist: string[] };

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const nonEmpty = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = envSchema.safeParse(nonEmpty);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...parsed.data, oktaInsecureAllowlist: parseAllowlist(parsed.data.OKTA_INSECURE_ALLOWLIST) };
}
