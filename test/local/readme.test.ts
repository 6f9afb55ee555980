import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { exited, ROOT, startLocalProcess } from "../support/local-process";

/** The README's curl walkthrough, run verbatim (bash + curl) against `npm run start:demo`. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function walkthrough(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block?.[1]) throw new Error("README has no walkthrough block");
  return block[1];
}

it("the README walkthrough works verbatim against npm run start:demo", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "oac-readme-"));
  const cwd = mkdtempSync(join(tmpdir(), "oac-readme-cwd-"));
  dirs.push(dataDir, cwd);
  // The walkthrough names ports 8787 and 8788, as a reader's machine would have them.
  const server = await startLocalProcess({ env: { DATA_DIR: dataDir }, args: ["--demo-okta"], port: 8787 });
  try {
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", walkthrough()], {
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
  } finally {
    server.child.kill("SIGTERM");
    await exited(server.child);
  }
});
