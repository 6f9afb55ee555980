import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../../functions/local/free-port";

/** `npm start` as a user runs it: the local entry point in a child process. */
export const ROOT = join(import.meta.dirname, "../..");

export interface LocalProcess {
  child: ChildProcess;
  base: string;
  /** The dev token printed at start. */
  token: string;
  output: () => string;
}

/** `ready`: the start line to wait for; by default the printed dev token (then `token` is it, else ""). */
export async function startLocalProcess(opts: { env: Record<string, string>; args?: string[]; port?: number; ready?: RegExp }): Promise<LocalProcess> {
  const ready = opts.ready ?? DEV_TOKEN;
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "functions/local/main.ts", ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, AUTH_JWT_SECRET: "", ...opts.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 45_000;
  while (!ready.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the local server did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base: `http://127.0.0.1:${port}`, token: DEV_TOKEN.exec(output)?.[1] ?? "", output: () => output };
}

const DEV_TOKEN = /export TOKEN=(\S+)/;

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.once("exit", (code) => done(code))));
