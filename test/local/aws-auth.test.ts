import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, loadConfig } from "../../functions/core/config";
import { startHarness, type Harness } from "../support/harness";
import { AUDIENCE, ISSUER, startIssuer, type Issuer } from "../support/issuer";
import { exited, ROOT, startLocalProcess, type LocalProcess } from "../support/local-process";

/**
 * AWS-mode authentication end to end (contract sections 5 and 6): `npm start` behind an identity
 * provider on loopback that serves its keys as a JWKS, as API Gateway's authorizer sees them.
 */
const LIST = "/api/v1/app-connections/okta";
const admin = { sub: "idp-admin", org_id: "idp-org", org_role: "admin" };
let issuer: Issuer;
let dataDir: string;

const awsModeEnv = () => ({ AUTH_JWKS_URL: issuer.jwksUrl, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });

beforeAll(async () => {
  issuer = await startIssuer();
  dataDir = mkdtempSync(join(tmpdir(), "oac-aws-auth-"));
});
afterAll(async () => {
  await issuer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` that must refuse to start: its exit code and what it printed. */
function refusedStart(env: Record<string, string>) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "functions/local/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, AUTH_JWT_SECRET: "", DATA_DIR: join(dataDir, "refused"), DYNAMODB_ENDPOINT: inject("dynamoEndpoint"), PORT: "0", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe("npm start with AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE", () => {
  let server: LocalProcess;
  beforeAll(async () => {
    server = await startLocalProcess({
      env: { DATA_DIR: join(dataDir, "served"), DYNAMODB_ENDPOINT: inject("dynamoEndpoint"), TABLE_NAME: `aws-auth-${randomUUID()}`, ...awsModeEnv() },
      ready: /no dev token is printed/,
    });
  }, 60_000);
  afterAll(async () => {
    server.child.kill("SIGTERM");
    await exited(server.child);
  });

  it("says it verifies against the issuer and prints no dev token", () => {
    expect(server.output()).toContain(`verified against ${issuer.jwksUrl}`);
    expect(server.output()).not.toContain("export TOKEN=");
    expect(server.token).toBe("");
  });

  it("accepts a valid RS256 token of the issuer, with the Bearer scheme in any case", async () => {
    const token = await issuer.token(admin);
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const res = await fetch(server.base + LIST, { headers: { authorization: `${scheme} ${token}` } });
      expect(res.status, scheme).toBe(200);
      expect(((await res.json()) as { appConnections: unknown[] }).appConnections).toEqual([]);
    }
  });

  it("refuses a token whose key is not in the JWKS, and an HS256 token, with 401", async () => {
    for (const token of [await issuer.foreignToken(admin), await fakeHs256(admin)]) {
      const res = await fetch(server.base + LIST, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("Unauthorized");
    }
  });
});

describe("a JWKS that cannot be fetched", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ auth: { kind: "jwks", url: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE, algorithm: "RS256", timeoutMs: 300 } });
  });
  afterAll(async () => {
    issuer.setMode({ kind: "ok" });
    await h.close();
  });

  it("answers 503 AuthUnavailable with Retry-After when the JWKS is down, slow or not a key set, never 401", async () => {
    for (const mode of [
      { kind: "error", status: 500 },
      { kind: "error", status: 200, body: "not json" },
      { kind: "error", status: 200, body: '{"keys":"none"}' },
      { kind: "slow", delayMs: 1_500 },
    ] as const) {
      issuer.setMode(mode);
      const before = issuer.fetches();
      // A token never seen before: the verified-token cache cannot answer for it.
      const res = await h.call("GET", LIST, { token: await issuer.token({ ...admin, sub: `u-${randomUUID()}` }) }).catch(() => null);
      expect(issuer.fetches(), JSON.stringify(mode)).toBeGreaterThan(before);
      expect(res?.status, JSON.stringify(mode)).toBe(503);
      expect(res?.body.error).toBe("AuthUnavailable");
      expect(Number(res?.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Back up: the same kind of token passes.
    issuer.setMode({ kind: "ok" });
    expect((await h.call("GET", LIST, { token: await issuer.token(admin) })).status).toBe(200);
  });

  it("answers 503 when nothing listens at the JWKS address", async () => {
    const closed = await startHarness({
      auth: { kind: "jwks", url: "http://127.0.0.1:9/jwks.json", issuer: ISSUER, audience: AUDIENCE, algorithm: "RS256", timeoutMs: 300 },
    });
    try {
      const res = await closed.call("GET", LIST, { token: await issuer.token(admin) });
      expect(res.status).toBe(503);
      expect(res.body.error).toBe("AuthUnavailable");
      expect(res.headers.get("retry-after")).toBeTruthy();
    } finally {
      await closed.close();
    }
  });
});

describe("configuration refused at start", () => {
  it("AUTH_JWKS_URL without AUTH_ISSUER or AUTH_AUDIENCE, naming what is missing", () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: issuer.jwksUrl, AUTH_ISSUER: ISSUER })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_JWKS_URL: issuer.jwksUrl, AUTH_ISSUER: ISSUER })).toThrow(/AUTH_AUDIENCE/);
    expect(() => loadConfig({ AUTH_JWKS_URL: issuer.jwksUrl })).toThrow(/set AUTH_ISSUER and AUTH_AUDIENCE/);
    expect(loadConfig(awsModeEnv()).AUTH_JWKS_URL).toBe(issuer.jwksUrl);
    const run = refusedStart({ AUTH_JWKS_URL: issuer.jwksUrl, AUTH_AUDIENCE: AUDIENCE });
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/set AUTH_ISSUER\n/);
  }, 60_000);

  it("an HS256 secret shorter than 32 bytes, naming AUTH_JWT_SECRET", () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: "x".repeat(31) })).toThrow(/AUTH_JWT_SECRET must be at least 32 bytes/);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(loadConfig({ AUTH_JWT_SECRET: "€".repeat(11) }).AUTH_JWT_SECRET).toBe("€".repeat(11));
    const run = refusedStart({ AUTH_JWT_SECRET: "too-short-secret" });
    expect(run.status).toBe(1);
    expect(run.output).toContain("AUTH_JWT_SECRET must be at least 32 bytes");
    expect(run.output).not.toContain("too-short-secret");
  }, 60_000);
});

/** An HS256 token with the right issuer and audience: AWS mode accepts RSA signatures only. */
function fakeHs256(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("x".repeat(32)));
}
