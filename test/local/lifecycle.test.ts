import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../functions/local/free-port";
import { dynamoDbLocalsOf, eventually, exited, isRunning, ROOT, startLocalProcess } from "../support/local-process";

/**
 * npm start's first minutes: busy ports answered in one line before anything starts, progress while
 * it starts, a clean Ctrl-C, and no DynamoDB Local (a Java process) left behind on any exit path.
 */
const dirs: string[] = [];
const freshDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "oac-life-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const occupy = async (): Promise<{ port: number; server: Server }> => {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  return { port, server };
};

/** Runs main.ts to its end; returns its exit code and everything it printed. */
async function runToEnd(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/local/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, AUTH_JWT_SECRET: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const code = await exited(child);
  return { code, output };
}

describe("busy ports", () => {
  it("PORT taken: one line naming PORT, before DynamoDB Local starts", async () => {
    const taken = await occupy();
    const dataDir = freshDataDir();
    const { code, output } = await runToEnd({ PORT: String(taken.port), DATA_DIR: dataDir });
    taken.server.close();
    expect(code).toBe(1);
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Port ${taken.port} on 127\\.0\\.0\\.1 is already in use .*set PORT to a free port`));
    expect(output).not.toContain("DynamoDB Local starting");
    expect(dynamoDbLocalsOf(dataDir)).toEqual([]);
  });

  it("the demo Okta's port taken: one line naming DEMO_OKTA_PORT", async () => {
    const taken = await occupy();
    const dataDir = freshDataDir();
    const { code, output } = await runToEnd({ PORT: String(await freePort()), DEMO_OKTA_PORT: String(taken.port), DATA_DIR: dataDir }, ["--demo-okta"]);
    taken.server.close();
    expect(code).toBe(1);
    expect(output.trim().split("\n")).toEqual([expect.stringMatching(/set DEMO_OKTA_PORT to a free port \(e\.g\. DEMO_OKTA_PORT=\d+ npm run start:demo\)\.$/)]);
    expect(dynamoDbLocalsOf(dataDir)).toEqual([]);
  });

  it("DEMO_OKTA_PORT must be a port number", async () => {
    const { code, output } = await runToEnd({ DEMO_OKTA_PORT: "eighty", DATA_DIR: freshDataDir() }, ["--demo-okta"]);
    expect(code).toBe(1);
    expect(output).toContain("DEMO_OKTA_PORT must be an integer from 1 to 65535");
  });
});

describe("stopping", { timeout: 120_000 }, () => {
  it("Ctrl-C (SIGINT to the whole process group of npm start) stops cleanly, after printing progress", async () => {
    const dataDir = freshDataDir();
    const server = await startLocalProcess({ env: { DATA_DIR: dataDir }, npmScript: "start", detached: true });
    const out = server.output();
    for (const step of ["DynamoDB Local starting", "DynamoDB Local ready", "table app-connections ready", "KMS ready"]) {
      expect(out).toMatch(new RegExp(`  ${step}.* \\(\\d+\\.\\d s\\)\\n`));
    }
    // A change, so the stream reader has work when the signal lands.
    const body = JSON.stringify({ name: "ctrl-c", method: "api-token", credentials: { instanceUrl: "https://acme.okta.com", apiToken: `00${"c".repeat(40)}` } });
    await fetch(`${server.base}/api/v1/app-connections/okta`, { method: "POST", headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" }, body });
    expect(dynamoDbLocalsOf(dataDir)).toHaveLength(1);
    process.kill(-server.child.pid!, "SIGINT");
    expect(await exited(server.child)).toBe(0);
    expect(server.output()).toContain("SIGINT: finishing in-flight requests, then stopping");
    expect(server.output()).not.toContain("stream poll failed");
    expect(server.output()).not.toContain('"level":"error"');
    expect(await eventually(() => dynamoDbLocalsOf(dataDir).length === 0, 5_000)).toBe(true);
  });

  it("kill -9 of npm start: the server notices and DynamoDB Local is gone within seconds", async () => {
    const dataDir = freshDataDir();
    const npm = await startLocalProcess({ env: { DATA_DIR: dataDir }, npmScript: "start", detached: true });
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(npm.child.pid)], { encoding: "utf8" }).stdout.trim().split(/\s+/).map(Number);
    expect(children.length).toBeGreaterThan(0);
    expect(dynamoDbLocalsOf(dataDir)).toHaveLength(1);
    npm.child.kill("SIGKILL");
    expect(await eventually(() => dynamoDbLocalsOf(dataDir).length === 0, 8_000), "DynamoDB Local still running").toBe(true);
    expect(await eventually(() => children.every((pid) => !isRunning(pid)), 8_000), "the server still running").toBe(true);
  });

  it("kill -9 of the server process itself: its watchdog stops DynamoDB Local within seconds", async () => {
    const dataDir = freshDataDir();
    const server = await startLocalProcess({ env: { DATA_DIR: dataDir } });
    expect(dynamoDbLocalsOf(dataDir)).toHaveLength(1);
    server.child.kill("SIGKILL");
    await exited(server.child);
    expect(await eventually(() => dynamoDbLocalsOf(dataDir).length === 0, 8_000)).toBe(true);
  });

  it("a start that fails after DynamoDB Local is up leaves no DynamoDB Local behind", async () => {
    const dataDir = freshDataDir();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "kms-master.key"), "short", { mode: 0o600 }); // not 32 bytes: the start fails at KMS
    const { code, output } = await runToEnd({ PORT: String(await freePort()), DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(output).toContain("DynamoDB Local ready");
    expect(output).toContain("is not 32 bytes");
    expect(await eventually(() => dynamoDbLocalsOf(dataDir).length === 0, 8_000)).toBe(true);
  });
});
