import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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

const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "functions/local/token.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, AUTH_JWT_SECRET: "" },
    encoding: "utf8",
  });

it("--help prints the usage with every flag, and README lists every flag", () => {
  const help = run("--help");
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^Usage: npm run token -- /);
  const flags = [...new Set(help.stdout.match(/--[a-z][a-z-]+/g))].filter((flag) => flag !== "--help");
  expect(flags.sort()).toEqual(["--org", "--org-role", "--project", "--role", "--sub", "--ttl"]);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const flag of [...flags, "--help"]) expect(readme, flag).toContain(`\`${flag}`);
});

it.each([
  [["--foo"], "Unknown option '--foo'"],
  [["--role", "boss"], '--role must be admin, member or viewer, not "boss"'],
  [["--org"], "Option '--org <value>' argument missing"],
  [["--ttl", "soon"], "--ttl must be a whole number of seconds"],
  [["--project", "a/b"], "--project must be 1-128 letters"],
])("a bad flag or value (%s) is one line and exit code 2, not a stack trace", (args, problem) => {
  const bad = run(...args);
  expect(bad.status).toBe(2);
  expect(bad.stdout).toBe("");
  const lines = bad.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(problem);
  expect(lines[0]).toContain("npm run token -- --help");
});
