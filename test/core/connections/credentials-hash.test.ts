import { execFile } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCredentialsHasher } from "../../../functions/core/connections/sealing";
import { loadOrCreateLocalSecrets } from "../../../functions/local/secrets";
import { createBody, startHarness, type Harness } from "../../support/harness";

/** `credentialsHash` is an HMAC under the service's key: it cannot confirm a guessed token. */
const owner = { orgId: "org-h", id: "6f1c2d9e-2f6a-4a51-9d7e-0c7c1e8f4b21" };
const creds = { instanceUrl: "https://acme.okta.com", apiToken: "00" + "a".repeat(40) };
const KEY_A = "a-credentials-hash-key-of-at-least-32-chars";
const KEY_B = "another-credentials-hash-key-of-32-chars-x";
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "creds-hash-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("createCredentialsHasher", () => {
  it("is the HMAC-SHA-256, under the key's UTF-8 bytes, of the canonical JSON it has always hashed (stored hashes depend on it)", () => {
    const canonical = `["okta","api-token","org-h","${owner.id}",{"apiToken":"${creds.apiToken}","instanceUrl":"https://acme.okta.com"}]`;
    const key = `${KEY_A}-é`;
    expect(createCredentialsHasher(key)(owner, "api-token", creds)).toBe(createHmac("sha256", Buffer.from(key, "utf8")).update(canonical).digest("hex"));
  });

  it("is 64 lowercase hex, stable, keyed, and changed by every credential field", () => {
    const a = createCredentialsHasher(KEY_A);
    const hash = a(owner, "api-token", creds);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a(owner, "api-token", { apiToken: creds.apiToken, instanceUrl: creds.instanceUrl })).toBe(hash); // key order is not data
    expect(createCredentialsHasher(KEY_B)(owner, "api-token", creds)).not.toBe(hash);
    expect(a(owner, "api-token", { ...creds, apiToken: "00" + "b".repeat(40) })).not.toBe(hash);
    expect(a(owner, "api-token", { ...creds, instanceUrl: "https://other.okta.com" })).not.toBe(hash);
    expect(a({ ...owner, id: "another-connection" }, "api-token", creds)).not.toBe(hash);
    expect(a(owner, "client-credentials", creds)).not.toBe(hash);
    // Any JSON-able object, as the client-credentials method will hash.
    const service = { instanceUrl: creds.instanceUrl, clientId: "0oa1", scopes: ["okta.users.read"], privateKey: { kty: "RSA", n: "x" } };
    expect(a(owner, "client-credentials", service)).toMatch(/^[0-9a-f]{64}$/);
    expect(a(owner, "client-credentials", { ...service, scopes: ["okta.apps.read"] })).not.toBe(a(owner, "client-credentials", service));
  });

  it("refuses a key shorter than 32 characters", () => {
    expect(() => createCredentialsHasher("short")).toThrow(/at least 32/);
  });
});

describe("through the API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("answers the HMAC under the service's key, not a SHA-256 of the token (the old formula)", async () => {
    const token = h.validOktaToken();
    const admin = await h.token({ orgId: "org-hash", orgRole: "admin" });
    const created = await h.call("POST", "/api/v1/app-connections/okta", { token: admin, body: createBody(h, "hashed", {}, token) });
    expect(created.status).toBe(200);
    const { id, credentialsHash } = created.body.appConnection;
    const old = createHash("sha256").update(JSON.stringify(["okta", "api-token", "org-hash", id, h.okta.origin, token])).digest("hex");
    expect(credentialsHash).not.toBe(old);
    const keyed = createCredentialsHasher(h.credentialsHashKey)({ orgId: "org-hash", id }, "api-token", { instanceUrl: h.okta.origin, apiToken: token });
    expect(credentialsHash).toBe(keyed);
    expect(createCredentialsHasher(KEY_B)({ orgId: "org-hash", id }, "api-token", { instanceUrl: h.okta.origin, apiToken: token })).not.toBe(credentialsHash);
    const read = await h.call("GET", `/api/v1/app-connections/okta/${id}`, { token: admin });
    expect(read.body.appConnection.credentialsHash).toBe(credentialsHash);
  });
});

describe("the local key", () => {
  it("is generated into DATA_DIR/secrets.json with mode 0600 and kept across runs", () => {
    const dir = tempDir();
    const first = loadOrCreateLocalSecrets(dir);
    expect(first.created).toBe(true);
    expect(first.credentialsHashKey.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(loadOrCreateLocalSecrets(dir).credentialsHashKey).toBe(first.credentialsHashKey);
  });

  it("is added to a secrets file of an earlier release, keeping its other secrets, and the file stays 0600", () => {
    const dir = tempDir();
    const file = join(dir, "secrets.json");
    writeFileSync(file, JSON.stringify({ authJwtSecret: "old-jwt-secret", cursorSecret: "old-cursor-secret" }));
    chmodSync(file, 0o644);
    const secrets = loadOrCreateLocalSecrets(dir);
    expect(secrets).toMatchObject({ authJwtSecret: "old-jwt-secret", cursorSecret: "old-cursor-secret", created: false });
    expect(secrets.credentialsHashKey.length).toBeGreaterThanOrEqual(32);
    expect(JSON.parse(readFileSync(file, "utf8")).credentialsHashKey).toBe(secrets.credentialsHashKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("AWS mode", () => {
  const run = promisify(execFile);
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    KMS_KEY_ID: "arn:aws:kms:us-east-1:123456789012:key/0b7f3c1e-1111-2222-3333-444455556666",
    CURSOR_SECRET: "a-cursor-secret-of-at-least-32-characters",
    EVENT_BUS_NAME: "bus",
    AUTH_JWKS_URL: "https://issuer.example.com/jwks.json",
    AUTH_ISSUER: "https://issuer.example.com/",
    AUTH_AUDIENCE: "aud",
  };
  it.each(["functions/api/lambda.ts", "functions/provision/lambda.ts"])("%s refuses to start without CREDENTIALS_HASH_KEY", async (entry) => {
    const failed = await run("npx", ["tsx", "-e", `import(${JSON.stringify(`./${entry}`)})`], { env }).catch((e: { stderr: string }) => e);
    expect((failed as { stderr: string }).stderr).toContain("CREDENTIALS_HASH_KEY is required in AWS mode");
  });
});
