import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { dynamoDbLocalsOf, exited, ROOT, startLocalProcess } from "../support/local-process";
import { filesContaining } from "../support/token-shapes";

let okta: FakeOkta;
let dataDir: string;
const start = () => startLocalProcess({ env: { DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort } });

beforeAll(async () => {
  okta = await startFakeOkta();
  dataDir = mkdtempSync(join(tmpdir(), "oac-start-"));
});
afterAll(async () => {
  await okta.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("serves the API with a printed dev token, keeps data on disk, and drains in-flight requests on SIGTERM", async () => {
    const first = await start();
    const auth = { authorization: `Bearer ${first.token}`, "content-type": "application/json" };
    const apiToken = sampleToken("start");
    okta.validTokens.add(apiToken);
    const body = JSON.stringify({ name: "on-disk", method: "api-token", credentials: { instanceUrl: okta.origin, apiToken } });
    const created = await fetch(`${first.base}/api/v1/app-connections/okta`, { method: "POST", headers: auth, body });
    expect(created.status).toBe(200);
    expect(statSync(join(dataDir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, "kms-master.key")).mode & 0o777).toBe(0o600);
    expect((await fetch(`${first.base}/docs`)).headers.get("content-type")).toContain("text/html");
    const reference = await fetch(`${first.base}/docs/api-reference.js`);
    expect([reference.status, reference.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect((await reference.text()).length).toBeGreaterThan(100_000);

    // A create whose Okta answer takes 700 ms is in flight when SIGTERM arrives: it must finish.
    okta.respondWith(() => ({ status: 200, body: { id: "u" }, delayMs: 700 }));
    const slow = fetch(`${first.base}/api/v1/app-connections/okta`, { method: "POST", headers: auth, body: body.replace("on-disk", "in-flight") });
    await new Promise((r) => setTimeout(r, 200));
    first.child.kill("SIGTERM");
    expect((await slow).status).toBe(200);
    expect(await exited(first.child)).toBe(0);
    okta.respondWith(null);

    // Same DATA_DIR: same secret (the old token still works), same data (both connections).
    const second = await start();
    const listed = await fetch(`${second.base}/api/v1/app-connections/okta`, { headers: { authorization: `Bearer ${first.token}` } });
    const names = ((await listed.json()) as { appConnections: { name: string }[] }).appConnections.map((c) => c.name).sort();
    expect(names).toEqual(["in-flight", "on-disk"]);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
    expect(second.output()).not.toContain(apiToken);
    // Nothing under DATA_DIR (DynamoDB Local's files, keys, secrets) holds the token in plaintext.
    expect(filesContaining(dataDir, apiToken)).toEqual([]);
    // No DynamoDB Local left behind on this DATA_DIR.
    expect(dynamoDbLocalsOf(dataDir)).toEqual([]);
  });

  it("stops at once with install advice when Java is missing", async () => {
    const bin = mkdtempSync(join(tmpdir(), "oac-nojava-"));
    symlinkSync(process.execPath, join(bin, "node"));
    const child = spawn(join(bin, "node"), ["--import", "tsx", "functions/local/main.ts"], {
      cwd: ROOT,
      env: { PATH: bin, HOME: process.env.HOME ?? "/tmp", DATA_DIR: join(dataDir, "nojava") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", (d) => (output += d));
    expect(await exited(child)).toBe(1);
    expect(output).toContain("Java");
    expect(output).toContain("DYNAMODB_ENDPOINT");
    rmSync(bin, { recursive: true, force: true });
  });
});
