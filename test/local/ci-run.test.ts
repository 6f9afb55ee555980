import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/local-process";

/**
 * `.ci/run` on a bare Debian: a PATH of stand-ins (node, apt-get, npm) shows what it does before
 * anything real runs. The stand-in npm fails, so the run stops right after the installs.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function bin(tools: Record<string, string>, links: string[] = ["dirname"]) {
  const dir = mkdtempSync(join(tmpdir(), "ci-run-"));
  dirs.push(dir);
  for (const tool of links) symlinkSync(`/usr/bin/${tool}`, join(dir, tool));
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
const run = (path: string) => spawnSync("/bin/bash", [join(ROOT, ".ci", "run")], { env: { PATH: path }, encoding: "utf8" });
const node = (version: string) => `case "$1" in --version) echo v${version} ;; -p) echo ${version.split(".")[0]} ;; esac`;

describe(".ci/run", () => {
  it("stops at once with one clear line when node is missing", () => {
    const out = run(bin({ "apt-get": "exit 99" }));
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe(".ci/run: Node.js 20 or later is required, and node is not on PATH");
  });

  it("stops at once with one clear line when node is older than 20", () => {
    const out = run(bin({ node: node("18.19.1"), "apt-get": "exit 99" }));
    expect(out.status).toBe(1);
    expect(out.stderr.trim()).toBe(".ci/run: Node.js 20 or later is required, found v18.19.1");
  });

  it("installs procps with the other packages when ps is missing, and not when it is there", () => {
    const installs = (withPs: boolean) => {
      const dir = bin(
        { node: node("20.20.2"), "apt-get": 'echo "$*" >> "$(dirname "$0")/apt.log"', npm: "exit 3" },
        withPs ? ["dirname", "ps"] : ["dirname"],
      );
      const out = run(dir);
      expect(out.status).toBe(3); // stopped by the stand-in npm ci, after the installs
      return readFileSync(join(dir, "apt.log"), "utf8").split("\n").filter((l) => l.startsWith("install"));
    };
    const [withoutPs] = installs(false);
    expect(withoutPs!.split(" ")).toEqual(expect.arrayContaining(["procps", "openjdk-17-jre-headless", "curl"]));
    const [withPs] = installs(true);
    expect(withPs!.split(" ")).not.toContain("procps");
  });
});
