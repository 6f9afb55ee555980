import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { exited, ROOT } from "../support/local-process";

/** `npm run health -- --now` as a user runs it, on its own DATA_DIR (filled by `npm run provision`). */
let okta: FakeOkta;
let dataDir: string;

beforeAll(async () => {
  okta = await startFakeOkta();
  dataDir = mkdtempSync(join(tmpdir(), "oac-health-cli-"));
});
afterAll(async () => {
  await okta.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(script: string, args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort, AUTH_JWT_SECRET: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return { code: await exited(child), stdout, stderr };
}

describe("npm run health", () => {
  it("--now checks every connection, prints a table and writes the health-changed events", async () => {
    const [good, revoked] = [sampleToken("cli-good"), sampleToken("cli-revoked")];
    okta.validTokens.add(good).add(revoked);
    const upsert = (requestId: string, name: string, apiToken: string, projectId?: string) =>
      JSON.stringify({ specVersion: 1, requestId, type: "app-connection.upsert", orgId: "cli-org", ...(projectId ? { projectId } : {}), name, credentials: { instanceUrl: okta.origin, apiToken } });
    const file = join(dataDir, "in.jsonl");
    writeFileSync(file, [upsert("h-1", "okta-good", good, "web"), upsert("h-2", "okta-revoked", revoked)].join("\n") + "\n");
    expect((await run("functions/local/provision.ts", [file])).code).toBe(0);

    okta.validTokens.delete(revoked);
    const seen = okta.requests.length;
    const { code, stdout, stderr } = await run("functions/local/health.ts", ["--now"]);
    expect(code, stderr).toBe(0);
    expect(okta.requests.length - seen).toBe(2);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe("2 of 2 connection(s) checked");
    expect(lines[1]).toMatch(/^NAME\s+PROJECT\s+STATUS\s+CHECKED AT\s+ERROR$/);
    const rows = lines.slice(2).sort();
    expect(rows[0]).toMatch(/^okta-good\s+web\s+healthy\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+-$/);
    expect(rows[1]).toMatch(/^okta-revoked\s+\(org\)\s+unhealthy\s+\S+\s+InvalidCredentials: Okta rejected the API token/);
    expect(stdout + stderr).not.toContain(revoked);

    const events = readFileSync(join(dataDir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const health = events.filter((e) => e["detail-type"] === "app-connection.health-changed");
    expect(health.map((e) => `${e.detail.name} ${e.detail.from}->${e.detail.to}`)).toEqual(["okta-revoked healthy->unhealthy"]);
    expect(events.filter((e) => e["detail-type"] === "app-connection.updated")).toEqual([]);
  }, 180_000);
});
