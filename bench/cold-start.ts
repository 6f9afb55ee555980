/**
 * `npm run bench:cold`: how long a cold Lambda container spends importing our API bundle and
 * serving its first authenticated request, against a floor bundle (bench/floor.ts: hono, zod/mini
 * with one schema, client-dynamodb and client-kms, answering the same GET by id with one GetItem),
 * built with the same options. Both are imported in fresh `node` processes, interleaved, and serve
 * the same requests against the same DynamoDB Local item; the table shows medians and is kept in
 * bench/RESULTS.md. Goals (issue 17): import CPU time at most 1.20 x the floor's, and the first
 * authenticated request after import at most 2 ms over the floor's. A missed goal exits non-zero.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { bundle, type BundleReport } from "../scripts/build";
import { BASE, expectOk, startBenchStack } from "./lib/stack";

const ROOT = join(import.meta.dirname, "..");
const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 15));
const GOALS = { importCpuRatio: 1.2, firstAuthenticatedExtraMs: 2 };
const RESULTS = join(ROOT, "bench", "RESULTS.md");
const loadAtStart = loadavg()[0]!;

interface Sample {
  importMs: number;
  importCpuMs: number;
  healthz: { ms: number; status: number };
  unauthorized: { ms: number; status: number };
  authenticated: { ms: number; status: number };
  authenticatedAgain: { ms: number; status: number };
  openApi: { ms: number; status: number };
  firstCreate: { ms: number; status: number };
  secondCreate: { ms: number; status: number };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// Asynchronous: the probe's creates need the fake Okta and the local KMS, which run in this process.
async function probe(file: string, env: Record<string, string>): Promise<Sample> {
  const { NODE_OPTIONS: _ignored, ...parent } = process.env;
  const { stdout: out } = await promisify(execFile)(process.execPath, [join(ROOT, "bench", "cold-probe.mjs"), file], {
    env: { ...parent, ...env },
    encoding: "utf8",
  });
  // The app logs to stdout too; the probe's own line is the last one.
  const line = out
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("BENCH "));
  if (!line) throw new Error(`no result from the probe of ${file}:\n${out}`);
  return JSON.parse(line.slice("BENCH ".length)) as Sample;
}

function row(name: string, report: BundleReport, samples: Sample[]) {
  const pick = (f: (s: Sample) => number) => median(samples.map(f));
  const statuses = (f: (s: Sample) => { status: number }) => [...new Set(samples.map((s) => f(s).status))].join("/");
  return {
    name,
    kb: report.bytes / 1024,
    importMs: pick((s) => s.importMs),
    importCpuMs: pick((s) => s.importCpuMs),
    healthz: pick((s) => s.healthz.ms),
    unauthorized: pick((s) => s.unauthorized.ms),
    authenticated: pick((s) => s.authenticated.ms),
    again: pick((s) => s.authenticatedAgain.ms),
    openApi: pick((s) => s.openApi.ms),
    openApiStatus: statuses((s) => s.openApi),
    firstCreate: pick((s) => s.firstCreate.ms),
    secondCreate: pick((s) => s.secondCreate.ms),
    createStatuses: `${statuses((s) => s.firstCreate)}, ${statuses((s) => s.secondCreate)}`,
    statuses: [statuses((s) => s.healthz), statuses((s) => s.unauthorized), statuses((s) => s.authenticated)].join(", "),
  };
}

/** Where the figures come from; a busy machine inflates them, the ratio less so. */
const machine = () =>
  `${process.version}, ${process.arch}, ${cpus().length} cores, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end, ${new Date().toISOString().slice(0, 10)}`;

type Part = { name: string; kb: number; cpuMs: number };

function verdicts(floor: ReturnType<typeof row>, ours: ReturnType<typeof row>) {
  const cpuRatio = ours.importCpuMs / floor.importCpuMs;
  const extraMs = ours.authenticated - floor.authenticated;
  return {
    cpuRatio,
    extraMs,
    importMet: cpuRatio <= GOALS.importCpuRatio,
    firstMet: extraMs <= GOALS.firstAuthenticatedExtraMs,
  };
}

function section(rows: ReturnType<typeof row>[], api: BundleReport, parts: Part[]): string {
  const [floor, ours] = rows as [ReturnType<typeof row>, ReturnType<typeof row>];
  const v = verdicts(floor, ours);
  const f = (n: number) => n.toFixed(1);
  const met = (ok: boolean) => (ok ? "met" : "**missed**");
  const lines = [
    "## Cold start (`npm run bench:cold`)",
    "",
    `Median of ${RUNS} fresh \`node\` processes per bundle, the two bundles interleaved (${machine()}).`,
    "Size: what a cold start loads (the entry file and the chunks it imports statically; code loaded on first use, such as",
    "the AWS SDK's credential providers, the OpenAPI generator and the console, is left out, for both bundles alike).",
    "Import: `await import(bundle)` in a fresh process (Node's own start-up excluded). Then the first requests, in order,",
    "through the bundle's `handler` with hand-built API Gateway v2 events: `GET /healthz`; GET by id without authorizer",
    "claims (401); GET by id of a stored connection with the claims API Gateway's JWT authorizer hands over (AWS mode: the",
    "function verifies no token itself), a real `GetItem` on DynamoDB Local, whose first call loads the SDK's credential",
    "and HTTP code in both bundles; that request again; and last `GET /openapi.json`, a chunk the API loads on first use",
    "(the floor has no such route and answers 404). The floor (bench/floor.ts) is hono + zod/mini (one schema) +",
    "client-dynamodb + client-kms serving the same GET by id with one `GetItem`.",
    "",
    "| bundle | size | import | import (CPU) | 1st /healthz | 1st 401 | 1st authenticated | 2nd authenticated | statuses | 1st /openapi.json |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.kb)} KB | ${f(r.importMs)} ms | ${f(r.importCpuMs)} ms | ${f(r.healthz)} ms | ${f(r.unauthorized)} ms | ${f(r.authenticated)} ms | ${f(
          r.again,
        )} ms | ${r.statuses} | ${f(r.openApi)} ms (${r.openApiStatus}) |`,
    ),
    "",
    "| goal | API | floor | figure | goal | |",
    "|---|---:|---:|---:|---|---|",
    `| Import of dist/api, CPU time, API / floor | ${f(ours.importCpuMs)} ms | ${f(floor.importCpuMs)} ms | ${v.cpuRatio.toFixed(2)} | ≤ ${GOALS.importCpuRatio} | ${met(v.importMet)} |`,
    `| First authenticated request after import (AWS mode), API − floor | ${f(ours.authenticated)} ms | ${f(floor.authenticated)} ms | ${v.extraMs >= 0 ? "+" : ""}${f(v.extraMs)} ms | ≤ +${GOALS.firstAuthenticatedExtraMs} ms | ${met(v.firstMet)} |`,
    "",
    `(Wall-clock import ratio, for context: ${(ours.importMs / floor.importMs).toFixed(2)}.)`,
    "",
    "What the API leaves for first use, and who pays for it: the code that touches credentials (the KMS client and sealer,",
    "the Okta URL guard with ipaddr.js, the Okta client: functions/core/lazy-parts.ts) loads on the first create, PATCH,",
    "validate or proxy call. Measured after the requests above: two creates in a row (api-token, a fake Okta, the local KMS):",
    "",
    "| bundle | 1st create after a cold start | 2nd create | what the first pays more | statuses |",
    "|---|---:|---:|---:|---|",
    `| ${ours.name} | ${f(ours.firstCreate)} ms | ${f(ours.secondCreate)} ms | +${f(ours.firstCreate - ours.secondCreate)} ms | ${ours.createStatuses} |`,
    "",
    "Where the difference goes: the floor plus one part at a time (import CPU time, which a busy machine disturbs least):",
    "",
    "| bundle | size | import (CPU) | over the floor |",
    "|---|---:|---:|---:|",
    ...[{ name: "floor", kb: floor.kb, cpuMs: floor.importCpuMs }, ...parts, { name: "API (dist/api): createApp() plus AWS-mode config and wiring", kb: ours.kb, cpuMs: ours.importCpuMs }].map(
      (p) => `| ${p.name} | ${f(p.kb)} KB | ${f(p.cpuMs)} ms | ${p.cpuMs === floor.importCpuMs ? "" : `${p.cpuMs >= floor.importCpuMs ? "+" : ""}${f(p.cpuMs - floor.importCpuMs)} ms`} |`,
    ),
    "",
    `Largest parts of the API bundle: ${api.top.map((t) => `${t.pkg} ${(t.bytes / 1024).toFixed(0)} KB`).join(", ")}.`,
    "",
    `At the goal the API may spend ${f((GOALS.importCpuRatio - 1) * floor.importCpuMs)} ms of import CPU over the floor; it spends ${f(ours.importCpuMs - floor.importCpuMs)} ms.`,
  ];
  return lines.join("\n");
}

/** Rewrites only this benchmark's section of bench/RESULTS.md; other benchmarks own the rest. */
function record(text: string) {
  const start = "<!-- bench:cold-start -->";
  const end = "<!-- /bench:cold-start -->";
  const block = `${start}\n${text}\n${end}`;
  const current = existsSync(RESULTS)
    ? readFileSync(RESULTS, "utf8")
    : "# Benchmark results\n\nEach section belongs to one benchmark, which rewrites only its own section.\n";
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  writeFileSync(RESULTS, pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`);
}

const api = await bundle("api", join(ROOT, "functions", "api", "lambda.ts"), join(ROOT, "dist", "api"));
const floor = await bundle("bench-floor", join(ROOT, "bench", "floor.ts"), join(ROOT, "dist", "bench-floor"));

// One stored connection on DynamoDB Local that both bundles read by id, as the same org admin.
const ISSUER = "https://issuer.example.com/";
const AUDIENCE = "api://okta-app-connections";
const ORG = "bench-cold";
const stack = await startBenchStack();
let env: Record<string, string>;
try {
  const created = expectOk(await stack.call(stack.app, await stack.adminToken(ORG), "POST", BASE, stack.createBody("cold-target", null)), "create");
  const issuedAt = Math.floor(Date.now() / 1000);
  // As API Gateway's authorizer passes them on: every claim a string.
  const claims = { sub: "bench-admin", org_id: ORG, org_role: "admin", iss: ISSUER, aud: AUDIENCE, iat: String(issuedAt), exp: String(issuedAt + 3600) };
  env = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    TABLE_NAME: stack.tableName,
    // The creates at the end of each probe seal with the local KMS and check the token with the fake Okta.
    AWS_ENDPOINT_URL_KMS: stack.localKms.endpoint,
    KMS_KEY_ID: stack.localKms.keyId,
    OKTA_INSECURE_ALLOWLIST: stack.okta.hostPort,
    CURSOR_SECRET: "bench-cursor-secret-0123456789abcdef",
    CREDENTIALS_HASH_KEY: "bench-credentials-hash-key-0123456789abcdef",
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    BENCH_PATH: `${BASE}/${created.appConnection.id}`,
    BENCH_CLAIMS: JSON.stringify(claims),
    BENCH_CREATE: JSON.stringify({ path: BASE, body: stack.createBody("cold-create", null) }),
  };
} catch (error) {
  await stack.close();
  throw error;
}

/**
 * Where the API's extra import time goes: the same import, measured on bundles that add one part at
 * a time to the floor (CPU time, which a busy machine disturbs least). Add a row by adding an entry.
 */
const breakdown = [
  { name: "floor + ipaddr.js alone (the Okta URL guard's address ranges)", contents: `export * from "./bench/floor"; export { default as ipaddr } from "ipaddr.js";` },
  {
    name: "floor + config parsing (loadConfig of the Lambda's environment)",
    contents: `export * from "./bench/floor"; import { loadConfig } from "./functions/core/config"; export const config = loadConfig(process.env);`,
  },
  { name: "floor + the app's schemas (schema construction)", contents: `export * from "./bench/floor"; export * from "./functions/core/connections/schemas";` },
  { name: "floor + the service wiring (store, sealer, Okta client, URL guard), imported only", contents: `export * from "./bench/floor"; export * from "./functions/core/compose";` },
  { name: "floor + the app's modules (schemas, routes, console routes), imported only", contents: `export * from "./bench/floor"; export * from "./functions/api/app";` },
  {
    name: "floor + createApp() (the OpenAPI document and the console page are chunks loaded on first use)",
    contents: `export * from "./bench/floor"; import { createApp } from "./functions/api/app";
      const unused = async () => { throw new Error("unused"); };
      export const app = createApp({ service: {} as never, proxy: {} as never, authenticate: unused, logger: { info() {}, warn() {}, error() {} } });`,
  },
];
const parts = await Promise.all(breakdown.map((b, i) => bundle(`bench-part-${i}`, { contents: b.contents }, join(ROOT, "dist", `bench-part-${i}`))));

const samples: { api: Sample[]; floor: Sample[]; parts: Sample[][] } = { api: [], floor: [], parts: parts.map(() => []) };
try {
  await probe(api.file, env); // warm the file system cache for both, outside the samples
  await probe(floor.file, env);
  for (let i = 0; i < RUNS; i++) {
    // Alternate which bundle goes first, so neither always follows the other's disk and CPU traffic.
    const pair = [async () => samples.floor.push(await probe(join(ROOT, floor.file), env)), async () => samples.api.push(await probe(join(ROOT, api.file), env))];
    if (i % 2) pair.reverse();
    for (const run of pair) await run();
    for (const [p, part] of parts.entries()) samples.parts[p]!.push(await probe(join(ROOT, part.file), env));
  }
} finally {
  await stack.close();
}
const rows = [row("floor: hono + zod/mini + client-dynamodb + client-kms, same GET by id", floor, samples.floor), row("API (dist/api/index.mjs)", api, samples.api)];
const partRows = parts.map((part, p) => ({
  name: breakdown[p]!.name,
  kb: part.bytes / 1024,
  cpuMs: median(samples.parts[p]!.map((s) => s.importCpuMs)),
}));
const text = section(rows, api, partRows);
console.log(text);
record(text);
console.log(`\n(written to ${join("bench", "RESULTS.md")})`);
// A missed goal fails the run, like every other benchmark (npm run bench relies on it).
const v = verdicts(rows[0]!, rows[1]!);
if (!v.importMet || !v.firstMet) process.exitCode = 1;
