import { DEADLINES } from "./deadlines";

/**
 * Every environment variable the service reads, parsed once (contract section 5). Entry points
 * pass `process.env`; nothing else reads the environment.
 *
 * Plain functions, not zod: every Lambda parses this at import, and building a zod schema of
 * twenty fields cost a cold start about 7 ms of CPU (bench:cold), more than the rest of the
 * API's own start-up code. Each rule names its variable, and every broken rule is reported at once.
 */

/** An HS256 key shorter than the hash output (RFC 7518 section 3.2) is refused. */
export const HS256_MIN_SECRET_BYTES = 32;
const JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"] as const;

/** Reads one variable: its value, or a message naming the variable and the rule it broke. */
type Rule<T> = (name: string, raw: string | undefined) => { value: T } | { error: string };

const optional: Rule<string | undefined> = (_name, raw) => ({ value: raw });
const withDefault =
  <T>(rule: Rule<T | undefined>, fallback: T): Rule<T> =>
  (name, raw) => {
    const read = rule(name, raw);
    return "error" in read ? read : { value: read.value ?? fallback };
  };
const checked =
  (test: (raw: string) => boolean, rule: string): Rule<string | undefined> =>
  (name, raw) => (raw === undefined || test(raw) ? { value: raw } : { error: `${name} ${rule}` });

const minLength = (n: number) => checked((raw) => raw.length >= n, `must be at least ${n} characters`);
const tableName = (fallback: string) => withDefault(checked((raw) => /^[A-Za-z0-9_.-]{3,255}$/.test(raw), "must be a valid DynamoDB table name"), fallback);
// "localhost:8000" parses as a URL whose scheme is "localhost:": every URL here is fetched over HTTP.
const url = checked((raw) => URL.canParse(raw) && /^https?:$/.test(new URL(raw).protocol), "must be an http:// or https:// URL");
const oneOf = <T extends string>(values: readonly T[], fallback: T): Rule<T> =>
  withDefault(checked((raw) => (values as readonly string[]).includes(raw), `must be one of: ${values.join(", ")}`) as Rule<T | undefined>, fallback);
const integer =
  (min: number, max: number, fallback: number): Rule<number> =>
  (name, raw) => {
    if (raw === undefined) return { value: fallback };
    const value = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : NaN;
    return value >= min && value <= max ? { value } : { error: `${name} must be an integer from ${min} to ${max}` };
  };
const jwtSecret = checked((raw) => new TextEncoder().encode(raw).length >= HS256_MIN_SECRET_BYTES, `must be at least ${HS256_MIN_SECRET_BYTES} bytes`);

const ENV = {
  PORT: integer(0, 65535, 8787),
  /** The stand-in Okta org of `npm run start:demo` and `npm run provision -- --demo-okta`. */
  DEMO_OKTA_PORT: integer(1, 65535, 8788),
  DATA_DIR: withDefault(optional, ".data"),
  DYNAMODB_ENDPOINT: url,
  TABLE_NAME: tableName("app-connections"),
  KMS_KEY_ID: optional,
  /** Provisioning's idempotency records (Powertools); created at start in local mode when missing. */
  IDEMPOTENCY_TABLE_NAME: tableName("app-connections-idempotency"),
  /** EventBridge bus of change and provisioning events (AWS); local runs write DATA_DIR/events.jsonl. */
  EVENT_BUS_NAME: optional,
  AUTH_JWT_SECRET: jwtSecret,
  AUTH_JWKS_URL: url,
  AUTH_ISSUER: optional,
  AUTH_AUDIENCE: optional,
  /** The algorithm accepted with JWKS (never `none`); local mode always uses HS256. */
  AUTH_JWT_ALGORITHM: oneOf(JWT_ALGORITHMS, "RS256"),
  /** Key that signs paging cursors; generated into DATA_DIR locally, required in AWS. */
  CURSOR_SECRET: minLength(16),
  /** Key of the `credentialsHash` HMAC; generated into DATA_DIR locally, required in AWS. */
  CREDENTIALS_HASH_KEY: minLength(32),
  OKTA_INSECURE_ALLOWLIST: optional,
  OKTA_TIMEOUT_MS: integer(1, 60_000, DEADLINES.oktaMs),
  /** Section 8: every connection is checked at least this often (seconds). */
  HEALTH_CHECK_INTERVAL_S: integer(1, 31_536_000, 86_400),
  /** Section 8: checks in flight at once towards one Okta org. */
  HEALTH_CHECK_CONCURRENCY: integer(1, 100, 2),
  /** AWS: the queue the sweep fills for the checker. */
  HEALTH_QUEUE_URL: url,
  AWS_REGION: optional,
} satisfies Record<string, Rule<unknown>>;

type Env = { -readonly [K in keyof typeof ENV]: (typeof ENV)[K] extends Rule<infer T> ? T : never };
export type Config = Env & { oktaInsecureAllowlist: string[] };

export class ConfigError extends Error {}

/** Parses `OKTA_INSECURE_ALLOWLIST` ("127.0.0.1:4000, localhost:8443") into trimmed `host:port` entries. */
export function parseAllowlist(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, rule] of Object.entries(ENV) as [string, Rule<unknown>][]) {
    // An empty variable is an unset one (`FOO=` in a shell or a .env file).
    const raw = env[name] === "" ? undefined : env[name];
    const read = rule(name, raw);
    if ("error" in read) errors.push(`  ${name}: ${read.error}`);
    else parsed[name] = read.value;
  }
  if (errors.length > 0) throw new ConfigError(`Invalid configuration:\n${errors.join("\n")}`);
  const config = { ...(parsed as Env), oktaInsecureAllowlist: parseAllowlist(parsed.OKTA_INSECURE_ALLOWLIST as string | undefined) };
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
