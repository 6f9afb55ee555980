/**
 * `npm run bench:cold`: how long a cold Lambda container spends importing our API bundle, against
 * a floor bundle of only hono + client-dynamodb + client-kms, built with the same options. Each
 * bundle is imported in ≥ 10 fresh `node` processes (interleaved); the table shows medians, and is
 * kept in bench/RESULTS.md. Goal: our import time at most 1.25 × the floor's.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { bundle, type BundleReport } from "../scripts/build";

const ROOT = join(import.meta.dirname, "..");
const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 15));
const GOAL = 1.25;
const RESULTS = join(ROOT, "bench", "RESULTS.md");

interface Sample {
  importMs: number;
  importCpuMs: number;
  healthz: { ms: number; status: number };
  unauthorized: { ms: number; status: number };
  authenticated: { ms: number; status: number };
  authenticatedAgain: { ms: number; status: number };
  openApi: { ms: number; status: number };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A real RS256 token and the JWKS that verifies it, as an issuer would serve them. */
async function issuer() {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" };
  const token = await new SignJWT({ org_id: "bench-org", org_role: "admin" })
    .setProtectedHeader({ alg: "RS256", kid: "bench" })
    .setSubject("bench-user")
    .setIssuer("https://issuer.example.com/")
    .setAudience("api://okta-app-connections")
    .setExpirationTime("1h")
    .sign(privateKey);
  return { token, jwks: JSON.stringify({ keys: [jwk] }) };
}

function probe(file: string, env: Record<string, string>): Sample {
  const { NODE_OPTIONS: _ignored, ...parent } = process.env;
  const out = execFileSync(process.execPath, [join(ROOT, "bench", "cold-probe.mjs"), file], {
    env: { ...parent, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
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
    statuses: [statuses((s) => s.healthz), statuses((s) => s.unauthorized), statuses((s) => s.authenticated)].join(", "),
  };
}

/** Where the figures come from; a busy machine inflates them, the ratio less so. */
const machine = () =>
  `${process.version}, ${process.arch}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`;

function section(rows: ReturnType<typeof row>[], api: BundleReport, parts: { name: string; kb: number; cpuMs: number; library: boolean }[]): string {
  const [floor, ours] = rows as [ReturnType<typeof row>, ReturnType<typeof row>];
  const ratio = ours.importMs / floor.importMs;
  const cpuRatio = ours.importCpuMs / floor.importCpuMs;
  const f = (n: number) => n.toFixed(1);
  const libraries = parts.filter((p) => p.library).reduce((sum, p) => sum + (p.cpuMs - floor.importCpuMs), 0);
  const lines = [
    "## Cold start (`npm run bench:cold`)",
    "",
    `Median of ${RUNS} fresh \`node\` processes per bundle (${machine()}).`,
    "Size: what a cold start loads (the entry file and the chunks it imports statically; code loaded on first use, such as",
    "the AWS SDK's credential providers, the OpenAPI generator and the console, is left out, for both bundles alike).",
    "Import: `await import(bundle)` in a fresh process (Node's own start-up excluded). Then the first requests,",
    "in order, through the bundle's `handler` with hand-built API Gateway v2 events: `GET /healthz`; an",
    "`/api/` request without a token (401); the same with a valid RS256 token, whose JWKS the first",
    "authenticated request fetches (loopback here, the issuer's server on Lambda); that request again; and last",
    "`GET /openapi.json`, whose code (the OpenAPI generator and the response schemas) is a chunk the API loads on first use",
    "(the floor has no such route and answers 404).",
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
    `**Import ratio, API / floor: ${ratio.toFixed(2)}** (CPU time: ${cpuRatio.toFixed(2)}; goal ≤ ${GOAL}: ${ratio <= GOAL ? "met" : "missed"}).`,
    "",
    "Where the difference goes: the floor plus one part at a time (import CPU time, which a busy machine disturbs least):",
    "",
    "| bundle | size | import (CPU) | over the floor |",
    "|---|---:|---:|---:|",
    ...[
      { name: "floor", kb: floor.kb, cpuMs: floor.importCpuMs },
      ...parts,
      { name: "API: createApp() plus AWS-mode config, wiring, jose", kb: ours.kb, cpuMs: ours.importCpuMs },
    ].map((p) => `| ${p.name} | ${f(p.kb)} KB | ${f(p.cpuMs)} ms | ${p.cpuMs === floor.importCpuMs ? "" : `+${f(p.cpuMs - floor.importCpuMs)} ms`} |`),
    "",
    `Largest parts of the API bundle: ${api.top.map((t) => `${t.pkg} ${(t.bytes / 1024).toFixed(0)} KB`).join(", ")}.`,
    "",
    `At the goal the API may spend ${f((GOAL - 1) * floor.importCpuMs)} ms of CPU over the floor; it spends ${f(ours.importCpuMs - floor.importCpuMs)} ms,`,
    `of which ${f(libraries)} ms is the three libraries it validates, verifies tokens and guards Okta URLs with (zod, jose and`,
    "ipaddr.js, each imported alone on the floor, rows above); the rest is the service's own code and its schemas.",
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
const { token, jwks } = await issuer();
const env = {
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  TABLE_NAME: "okta-app-connections-bench",
  KMS_KEY_ID: "arn:aws:kms:us-east-1:123456789012:key/0b7f3c1e-1111-2222-3333-444455556666",
  CURSOR_SECRET: "bench-cursor-secret-0123456789abcdef",
  CREDENTIALS_HASH_KEY: "bench-credentials-hash-key-0123456789abcdef",
  AUTH_ISSUER: "https://issuer.example.com/",
  AUTH_AUDIENCE: "api://okta-app-connections",
  AUTH_JWKS_URL: "http://127.0.0.1:9/unused",
  BENCH_TOKEN: token,
  BENCH_JWKS: jwks,
};

/**
 * Where the API's extra import time goes: the same import, measured on bundles that add one part at
 * a time to the floor (CPU time, which a busy machine disturbs least).
 */
const breakdown = [
  {
    name: "floor + zod (imported as the app does, one schema)",
    library: true,
    contents: `export * from "./bench/floor"; import * as z from "zod/mini"; export const probeSchema = z.object({ a: z.string() });`,
  },
  { name: "floor + jose alone (the JWKS verification the API imports)", library: true, contents: `export * from "./bench/floor"; export { createRemoteJWKSet, jwtVerify } from "jose";` },
  { name: "floor + ipaddr.js alone (the Okta URL guard's address ranges)", library: true, contents: `export * from "./bench/floor"; export { default as ipaddr } from "ipaddr.js";` },
  { name: "floor + the app's modules (schemas, routes, console routes), imported only", contents: `export * from "./bench/floor"; export * from "./functions/api/app";` },
  {
    name: "floor + createApp() (the OpenAPI document and the console page are chunks loaded on first use)",
    contents: `export * from "./bench/floor"; import { createApp } from "./functions/api/app";
      const unused = async () => { throw new Error("unused"); };
      export const app = createApp({ service: {} as never, authenticate: unused, logger: { info() {}, warn() {}, error() {} } });`,
  },
];
const parts = await Promise.all(breakdown.map((b, i) => bundle(`bench-part-${i}`, { contents: b.contents }, join(ROOT, "dist", `bench-part-${i}`))));

const samples: { api: Sample[]; floor: Sample[]; parts: Sample[][] } = { api: [], floor: [], parts: parts.map(() => []) };
probe(api.file, env); // warm the file system cache for both, outside the samples
probe(floor.file, env);
for (let i = 0; i < RUNS; i++) {
  samples.floor.push(probe(join(ROOT, floor.file), env));
  samples.api.push(probe(join(ROOT, api.file), env));
  parts.forEach((part, p) => samples.parts[p]!.push(probe(join(ROOT, part.file), env)));
}
const rows = [row("floor: hono + client-dynamodb + client-kms", floor, samples.floor), row("API (dist/api/index.mjs)", api, samples.api)];
const partRows = parts.map((part, p) => ({
  name: breakdown[p]!.name,
  kb: part.bytes / 1024,
  cpuMs: median(samples.parts[p]!.map((s) => s.importCpuMs)),
  library: breakdown[p]!.library === true,
}));
const text = section(rows, api, partRows);
console.log(text);
record(text);
console.log(`\n(written to ${join("bench", "RESULTS.md")})`);
// A missed goal fails the run, like every other benchmark (npm run bench relies on it).
if (rows[1]!.importMs / rows[0]!.importMs > GOAL) process.exitCode = 1;
