import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { exited, ROOT, startLocalProcess } from "../support/local-process";

/** `npm run provision -- file.jsonl` as a user runs it, on its own DATA_DIR. */
let okta: FakeOkta;
let dataDir: string;

beforeAll(async () => {
  okta = await startFakeOkta();
  dataDir = mkdtempSync(join(tmpdir(), "oac-cli-"));
});
afterAll(async () => {
  await okta.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function runCli(file: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/local/provision.ts", file], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort, AUTH_JWT_SECRET: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const code = await exited(child);
  return { code, lines: stdout.trim().split("\n").map((l) => JSON.parse(l)), stderr };
}

const javaOn = (dir: string) =>
  spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.includes("DynamoDBLocal") && l.includes(dir));
const events = () => readFileSync(join(dataDir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

describe("npm run provision", () => {
  it("settles a batch sent twice, out of order and with a poison line: exact outcomes, exit 0, no process left", async () => {
    const token = sampleToken("cli");
    okta.validTokens.add(token);
    const at = (s: number) => `2026-06-01T08:00:0${s}Z`;
    const msg = (requestId: string, type: string, name: string, s: number, extra: object = {}) =>
      JSON.stringify({ specVersion: 1, requestId, type, orgId: "cli-org", projectId: "web", name, source: "cli-test", sentAt: at(s), ...extra });
    const creds = { credentials: { instanceUrl: okta.origin, apiToken: token } };
    const batch = [
      msg("c-1", "app-connection.upsert", "okta-a", 1, creds),
      msg("c-2", "app-connection.upsert", "okta-a", 2, { description: "second" }),
      msg("c-3", "app-connection.upsert", "okta-b", 3, creds),
      msg("c-4", "app-connection.delete", "okta-b", 4),
    ];
    const file = join(dataDir, "in.jsonl");
    const late = msg("c-5", "app-connection.upsert", "okta-a", 1, { description: "older than c-2" });
    writeFileSync(file, [...batch, "", ...[...batch].reverse(), "{poison", late].join("\n") + "\n");

    const { code, lines, stderr } = await runCli(file);
    expect(code).toBe(0);
    expect(lines).toEqual([
      { requestId: "c-1", outcome: "created" },
      { requestId: "c-2", outcome: "updated" },
      { requestId: "c-3", outcome: "created" },
      { requestId: "c-4", outcome: "deleted" },
      { requestId: "c-4", outcome: "duplicate" },
      { requestId: "c-3", outcome: "duplicate" },
      { requestId: "c-2", outcome: "duplicate" },
      { requestId: "c-1", outcome: "duplicate" },
      { requestId: null, outcome: "failed", error: { error: "ValidationFailure", message: "the message body is not JSON" } },
      { requestId: "c-5", outcome: "unchanged" },
    ]);
    expect(stderr).not.toContain(token);
    expect(javaOn(dataDir)).toEqual([]);

    const written = events();
    expect(written.filter((e) => e["detail-type"].startsWith("app-connection.")).map((e) => `${e["detail-type"]} ${e.detail.name} v${e.detail.version}`)).toEqual([
      "app-connection.created okta-a v1",
      "app-connection.updated okta-a v2",
      "app-connection.created okta-b v1",
      "app-connection.deleted okta-b v2",
    ]);
    expect(written.filter((e) => e["detail-type"].startsWith("provisioning.")).map((e) => `${e["detail-type"]} ${e.detail.requestId}`)).toEqual([
      "provisioning.succeeded c-1",
      "provisioning.succeeded c-2",
      "provisioning.succeeded c-3",
      "provisioning.succeeded c-4",
      "provisioning.failed null",
      "provisioning.succeeded c-5",
    ]);
    expect(JSON.stringify(written)).not.toContain(token);
  }, 120_000);

  it("prints what the README shows for examples/provision.jsonl", async () => {
    // The example targets the demo Okta on 127.0.0.1:8788; here the fake Okta stands in for it.
    const example = readFileSync(join(ROOT, "examples/provision.jsonl"), "utf8");
    for (const token of example.match(/00[A-Za-z0-9_-]{40}/g) ?? []) if (!token.startsWith("00invalid")) okta.validTokens.add(token);
    const file = join(dataDir, "example.jsonl");
    writeFileSync(file, example.replaceAll("http://127.0.0.1:8788", okta.origin));
    const { code, lines } = await runCli(file);
    expect(code).toBe(0);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const shown = /--demo-okta[^\n]*\n```\n+```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown?.trim().split("\n").map((l) => JSON.parse(l))).toEqual(lines);
  }, 120_000);

  it("runs beside npm start on the same DATA_DIR (using its DynamoDB), while a second npm start is refused", async () => {
    const server = await startLocalProcess({ env: { DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort } });
    try {
      const busy = spawn(process.execPath, ["--import", "tsx", "functions/local/main.ts"], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, PORT: "0" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let busyErr = "";
      busy.stderr!.on("data", (d) => (busyErr += d));
      expect(await exited(busy)).toBe(1);
      expect(busyErr).toContain("is in use by process");

      const file = join(dataDir, "beside.jsonl");
      writeFileSync(file, JSON.stringify({ specVersion: 1, requestId: "b-1", type: "app-connection.upsert", orgId: "dev-org", name: "okta-beside", credentials: { instanceUrl: okta.origin, apiToken: sampleToken("cli") } }) + "\n");
      const { code, lines } = await runCli(file);
      expect(code).toBe(0);
      expect(lines).toEqual([{ requestId: "b-1", outcome: "created" }]);
      const listed = await fetch(`${server.base}/api/v1/app-connections/okta`, { headers: { authorization: `Bearer ${server.token}` } });
      expect(((await listed.json()) as { appConnections: { name: string }[] }).appConnections.map((c) => c.name)).toContain("okta-beside");
      // npm start's stream reader writes the change event.
      const deadline = Date.now() + 10_000;
      while (!events().some((e) => e.detail.name === "okta-beside" && e["detail-type"] === "app-connection.created") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(events().filter((e) => e.detail.name === "okta-beside" && e["detail-type"] === "app-connection.created")).toHaveLength(1);
    } finally {
      server.child.kill("SIGTERM");
      await exited(server.child);
    }
    expect(javaOn(dataDir)).toEqual([]);
  }, 120_000);
});
