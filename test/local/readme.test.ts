import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../../functions/local/free-port";
import { exited, ROOT, startLocalProcess } from "../support/local-process";

/**
 * The README's curl walkthrough, run verbatim (bash + curl) against `npm run start:demo`, except for
 * its ports: 8787 and 8788 become free ones (PORT, DEMO_OKTA_PORT), so the suite can run while a
 * reader's `npm start` holds the real ones.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function walkthrough(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block?.[1]) throw new Error("README has no walkthrough block");
  return block[1];
}

it("the README walkthrough works verbatim against npm run start:demo, and leaves no file behind", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "oac-readme-"));
  const cwd = mkdtempSync(join(tmpdir(), "oac-readme-cwd-"));
  dirs.push(dataDir, cwd);
  const [port, demoPort] = [await freePort(), await freePort()];
  const script = walkthrough().replaceAll("127.0.0.1:8787", `127.0.0.1:${port}`).replaceAll("127.0.0.1:8788", `127.0.0.1:${demoPort}`);
  expect(script).not.toMatch(/878[78]/);
  const server = await startLocalProcess({ env: { DATA_DIR: dataDir, DEMO_OKTA_PORT: String(demoPort) }, args: ["--demo-okta"], port });
  try {
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: { ...process.env, TOKEN: server.token },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const answers = run.stdout.replace(/}\{/g, "}\n{").split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(answers.filter((a) => "statusCode" in a)).toEqual([]); // no error envelope anywhere
    expect(answers[0].appConnection).toMatchObject({ name: "my-okta-connection", projectId: "my-project", version: 1 });
    expect(answers.some((a) => a.valid === true)).toBe(true);
    expect(answers.some((a) => a.appConnection?.description === "Production Okta org" && a.appConnection.version === 2)).toBe(true);
    expect(run.stdout).not.toContain("00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789_-ab");
    expect(readdirSync(cwd)).toEqual([]); // nothing for a reader to find untracked in their clone
  } finally {
    server.child.kill("SIGTERM");
    await exited(server.child);
  }
});
