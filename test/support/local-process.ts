import { spawn, spawnSync, type ChildProcess } from "node:child_process";
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

export interface StartOptions {
  env: Record<string, string>;
  args?: string[];
  port?: number;
  /** Run the npm script (`start`, `start:demo`) as a user types it, instead of node on main.ts. */
  npmScript?: string;
  /** In a process group of its own (pgid = pid), as a terminal runs a command: for `kill -INT -<pgid>`. */
  detached?: boolean;
  /** The start line to wait for; by default the printed dev token (then `token` is it, else ""). */
  ready?: RegExp;
}

export async function startLocalProcess(opts: StartOptions): Promise<LocalProcess> {
  const ready = opts.ready ?? DEV_TOKEN;
  const port = opts.port ?? (await freePort());
  const [command, args] = opts.npmScript
    ? ["npm", ["run", "--silent", opts.npmScript, ...(opts.args?.length ? ["--", ...opts.args] : [])]]
    : [process.execPath, ["--import", "tsx", "functions/local/main.ts", ...(opts.args ?? [])]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, AUTH_JWT_SECRET: "", ...opts.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: opts.detached ?? false,
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

/** Pids and command lines of the DynamoDB Local JVMs serving `dataDir`. */
export function dynamoDbLocalsOf(dataDir: string): string[] {
  const ps = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).stdout;
  return ps.split("\n").filter((line) => line.includes("DynamoDBLocal") && line.includes(dataDir));
}

/** True when process `pid` is alive (not a zombie waiting for its parent). */
export function isRunning(pid: number): boolean {
  const state = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return state !== "" && !state.startsWith("Z");
}

/** Polls `check` every 100 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (check()) return true;
  return check();
}

const DEV_TOKEN = /export TOKEN=(\S+)/;

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.once("exit", (code) => done(code))));
