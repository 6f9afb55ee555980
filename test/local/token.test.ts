import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, jwtVerify } from "jose";
import { afterAll, expect, it } from "vitest";
import { loadOrCreateLocalSecrets } from "../../functions/local/secrets";
import { ROOT } from "../support/local-process";

const dataDir = mkdtempSync(join(tmpdir(), "oac-token-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const mint = (...args: string[]) => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "functions/local/token.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, AUTH_JWT_SECRET: "" },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
};

it("npm run token mints HS256 tokens signed with DATA_DIR's secret, with the asked roles", async () => {
  const viewer = mint("--org", "acme", "--project", "web", "--role", "viewer", "--sub", "alice");
  const { authJwtSecret } = loadOrCreateLocalSecrets(dataDir);
  const { payload, protectedHeader } = await jwtVerify(viewer, new TextEncoder().encode(authJwtSecret), { algorithms: ["HS256"] });
  expect(protectedHeader.alg).toBe("HS256");
  expect(payload).toMatchObject({ sub: "alice", org_id: "acme", org_role: "member", projects: { web: "viewer" } });
  expect(payload.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3600);

  expect(decodeJwt(mint("--org", "acme", "--role", "admin"))).toMatchObject({ org_role: "admin", projects: {} });
  expect(decodeJwt(mint("--org", "acme", "--project", "a", "--project", "b", "--role", "admin"))).toMatchObject({
    org_role: "member",
    projects: { a: "admin", b: "admin" },
  });
});
