import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../functions/core/config";
import { DEADLINES } from "../../functions/core/deadlines";

/** The error text of a configuration that fails to load. */
function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`configuration loaded: ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("fills the embedded defaults of `npm start` from an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8787,
      DEMO_OKTA_PORT: 8788,
      DATA_DIR: ".data",
      TABLE_NAME: "app-connections",
      IDEMPOTENCY_TABLE_NAME: "app-connections-idempotency",
      AUTH_JWT_ALGORITHM: "RS256",
      OKTA_TIMEOUT_MS: DEADLINES.oktaMs,
      HEALTH_CHECK_INTERVAL_S: 86_400,
      HEALTH_CHECK_CONCURRENCY: 2,
      oktaInsecureAllowlist: [],
    });
    expect(config.KMS_KEY_ID).toBeUndefined();
    expect(config.DYNAMODB_ENDPOINT).toBeUndefined();
  });

  it("reads set values, numbers as numbers and the allowlist as trimmed entries", () => {
    const config = loadConfig({
      PORT: "0",
      TABLE_NAME: "prod.connections-1",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      AUTH_JWT_ALGORITHM: "EdDSA",
      HEALTH_CHECK_CONCURRENCY: "100",
      OKTA_INSECURE_ALLOWLIST: " 127.0.0.1:4000, localhost:8443 ,",
    });
    expect(config).toMatchObject({
      PORT: 0,
      TABLE_NAME: "prod.connections-1",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      AUTH_JWT_ALGORITHM: "EdDSA",
      HEALTH_CHECK_CONCURRENCY: 100,
      oktaInsecureAllowlist: ["127.0.0.1:4000", "localhost:8443"],
    });
  });

  it("treats an empty variable as unset (FOO= in a shell or .env file)", () => {
    const config = loadConfig({ PORT: "", TABLE_NAME: "", KMS_KEY_ID: "", AUTH_JWKS_URL: "" });
    expect(config.PORT).toBe(8787);
    expect(config.TABLE_NAME).toBe("app-connections");
    expect(config.KMS_KEY_ID).toBeUndefined();
    expect(config.AUTH_JWKS_URL).toBeUndefined();
  });

  it.each([
    ["PORT", "65536", "PORT must be an integer from 0 to 65535"],
    ["PORT", "80.5", "PORT must be an integer from 0 to 65535"],
    ["PORT", "-1", "PORT must be an integer from 0 to 65535"],
    ["OKTA_TIMEOUT_MS", "0", "OKTA_TIMEOUT_MS must be an integer from 1 to 60000"],
    ["HEALTH_CHECK_CONCURRENCY", "1e2", "HEALTH_CHECK_CONCURRENCY must be an integer from 1 to 100"],
    ["TABLE_NAME", "ab", "TABLE_NAME must be a valid DynamoDB table name"],
    ["IDEMPOTENCY_TABLE_NAME", "has space", "IDEMPOTENCY_TABLE_NAME must be a valid DynamoDB table name"],
    ["DYNAMODB_ENDPOINT", "localhost:8000", "DYNAMODB_ENDPOINT must be an http:// or https:// URL"],
    ["HEALTH_QUEUE_URL", "not a url", "HEALTH_QUEUE_URL must be an http:// or https:// URL"],
    ["AUTH_JWT_ALGORITHM", "none", "AUTH_JWT_ALGORITHM must be one of: RS256, RS384, RS512, ES256, ES384, PS256, EdDSA"],
    ["AUTH_JWT_SECRET", "é".repeat(15), "AUTH_JWT_SECRET must be at least 32 bytes"],
    ["CURSOR_SECRET", "short", "CURSOR_SECRET must be at least 16 characters"],
    ["CREDENTIALS_HASH_KEY", "x".repeat(31), "CREDENTIALS_HASH_KEY must be at least 32 characters"],
  ])("refuses %s=%s, naming the variable and the rule", (name, value, message) => {
    expect(failure({ [name]: value })).toBe(`Invalid configuration:\n  ${name}: ${message}`);
  });

  it("counts the JWT secret in bytes, not characters", () => {
    expect(loadConfig({ AUTH_JWT_SECRET: "é".repeat(16) }).AUTH_JWT_SECRET).toBe("é".repeat(16));
  });

  it("reports every broken variable at once", () => {
    const message = failure({ PORT: "x", TABLE_NAME: "!", CURSOR_SECRET: "y" });
    expect(message.split("\n")).toEqual([
      "Invalid configuration:",
      "  PORT: PORT must be an integer from 0 to 65535",
      "  TABLE_NAME: TABLE_NAME must be a valid DynamoDB table name",
      "  CURSOR_SECRET: CURSOR_SECRET must be at least 16 characters",
    ]);
  });

  it("never echoes a refused secret", () => {
    const secret = "s3cr3t-but-too-short";
    expect(failure({ AUTH_JWT_SECRET: secret, CREDENTIALS_HASH_KEY: secret })).not.toContain(secret);
  });

  it("asks for the whole JWKS issuer triple in AWS mode", () => {
    expect(failure({ AUTH_JWKS_URL: "https://issuer.example/jwks" })).toBe(
      "AWS-mode authentication needs AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE together: set AUTH_ISSUER and AUTH_AUDIENCE",
    );
  });
});
