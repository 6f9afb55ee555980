import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../../functions/local/free-port";
import { exited, ROOT, startLocalProcess } from "../support/local-process";

/**
 * The README's proxy examples, run verbatim (bash + curl) against `npm run start:demo`. Only the
 * two port numbers the README names are moved to free ports.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function examples(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /<!-- proxy-examples:start -->\s*```sh\n([\s\S]*?)```\s*<!-- proxy-examples:end -->/.exec(readme);
  if (!block?.[1]) throw new Error("README has no proxy-examples block");
  return block[1];
}

/** The JSON documents curl printed one after the other. */
function documents(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") {
      if (depth++ === 0) start = i;
    } else if ((ch === "}" || ch === "]") && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
  }
  return docs;
}

it("the README proxy examples work verbatim against npm run start:demo", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "oac-readme-proxy-"));
  const cwd = mkdtempSync(join(tmpdir(), "oac-readme-proxy-cwd-"));
  dirs.push(dataDir, cwd);
  const oktaPort = await freePort();
  const server = await startLocalProcess({ env: { DATA_DIR: dataDir, DEMO_OKTA_PORT: String(oktaPort) }, args: ["--demo-okta"] });
  const verbatim = examples().replaceAll("127.0.0.1:8787", server.base.replace("http://", "")).replaceAll("127.0.0.1:8788", `127.0.0.1:${oktaPort}`);
  // The examples keep Okta's headers in a temporary file; the test's own last line moves it where it can read it.
  const script = `${verbatim}\nmv "$HEADERS" "$OAC_HEADERS_OUT"\n`;
  const headersFile = join(dataDir, "headers.txt");
  try {
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd, env: { ...process.env, TOKEN: server.token, OAC_HEADERS_OUT: headersFile }, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const [created, page1, page2, refused] = documents(run.stdout) as any[];
    expect(created.appConnection).toMatchObject({ name: "okta-directory", proxy: { allow: ["GET /api/v1/users", "GET /api/v1/users/*"] } });
    expect(page1.map((u: { id: string }) => u.id)).toEqual(["00udemo1", "00udemo2"]);
    expect(page2.map((u: { id: string }) => u.id)).toEqual(["00udemo3"]); // followed through the proxy
    expect(refused).toMatchObject({ statusCode: 403, error: "PermissionDenied" });
    expect(refused.message).toContain("POST /api/v1/users");
    expect(readdirSync(cwd), "files the examples left in the working folder").toEqual([]);
    const headers = readFileSync(headersFile, "utf8");
    expect(headers).toMatch(/x-upstream: okta/i);
    expect(headers).toContain(`${server.base}/api/v1/app-connections/okta/${created.appConnection.id}/proxy/api/v1/users?after=00udemo2&limit=2>; rel="next"`);
    expect(run.stdout + headers).not.toContain("00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789_-ab");
  } finally {
    server.child.kill("SIGTERM");
    await exited(server.child);
  }
});
