/**
 * Throughput and memory of the local server: the real `npm start` entry point in a child process
 * (as test/support/local-process.ts starts it, with its own temporary DATA_DIR), loaded with
 * autocannon: GET by id at 32 connections.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freePort } from "../../functions/local/free-port";
import { BASE } from "./stack";

const ROOT = join(import.meta.dirname, "..", "..");

/** Resident memory of a process, in MB, from /proc/<pid>/status. */
export function residentMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

const WARMUP = 10_000;

const failures = (r: Awaited<ReturnType<typeof autocannon>>) => r.errors + r.timeouts + r.non2xx;

export async function serverLoad(okta: { hostPort: string; origin: string }, oktaToken: () => string, opts: { seconds: number; requests: number }) {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-server-"));
  const port = await freePort();
  // Access logs go to a file, as a redirected `npm start` would write them: real writes, and no
  // pipe for this process to drain while it also runs the load generator.
  const logFd = openSync(join(dataDir, "stdout.log"), "w");
  const gcHook = join(import.meta.dirname, "gc-hook.cjs");
  const child = spawn(process.execPath, ["--expose-gc", "--require", gcHook, "--import", "tsx", "functions/local/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      AUTH_JWT_SECRET: "",
      DATA_DIR: dataDir,
      PORT: String(port),
      OKTA_INSECURE_ALLOWLIST: okta.hostPort,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stdio: ["ignore", logFd, "pipe"],
  });
  closeSync(logFd);
  let stderr = "";
  let gcs = 0;
  child.stderr!.on("data", (d) => {
    stderr = (stderr + d).slice(-20_000);
    gcs += String(d).split("BENCH_GC_DONE").length - 1;
  });
  const residentAfterGc = async () => {
    const before = gcs;
    child.kill("SIGUSR2");
    for (const deadline = Date.now() + 10_000; gcs === before; ) {
      if (Date.now() > deadline) throw new Error("the server did not report its garbage collection");
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 500));
    return residentMb(child.pid!);
  };
  try {
    const deadline = Date.now() + 90_000;
    while (!/export TOKEN=(\S+)/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const token = /export TOKEN=(\S+)/.exec(stderr)![1]!;
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${token}` };
    const res = await fetch(base + BASE, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ name: "load-target", method: "api-token", credentials: { instanceUrl: okta.origin, apiToken: oktaToken() } }),
    });
    const created = (await res.json()) as { appConnection?: { id: string } };
    if (res.status !== 200 || !created.appConnection) throw new Error(`create on npm start: HTTP ${res.status} ${JSON.stringify(created)}`);
    const url = `${base}${BASE}/${created.appConnection.id}`;

    // Warm-up (JIT, pools, heap sizing), then resident memory after a full GC, before and after.
    const warmup = await autocannon({ url, connections: 32, amount: WARMUP, headers });
    if (failures(warmup) > 0) throw new Error(`warm-up: ${failures(warmup)} failed requests`);
    const warmedUp = warmup.requests.total;
    const rssBefore = await residentAfterGc();
    const timed = await autocannon({ url, connections: 32, duration: opts.seconds, headers });
    let served = timed.requests.total;
    let failed = failures(timed);
    // Memory is compared over at least `opts.requests` requests after the warm-up.
    if (served < opts.requests) {
      const rest = await autocannon({ url, connections: 32, amount: opts.requests - served, headers });
      served += rest.requests.total;
      failed += failures(rest);
    }
    const rssAfter = await residentAfterGc();
    return {
      requestsPerSecond: timed.requests.average,
      p50: timed.latency.p50,
      p99: timed.latency.p99,
      timedRequests: timed.requests.total,
      timedFailures: failures(timed),
      statusCodes: timed.statusCodeStats,
      served,
      failed,
      warmedUp,
      rssBefore,
      rssAfter,
    };
  } finally {
    const exited = new Promise((done) => (child.exitCode !== null ? done(null) : child.once("exit", done)));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
