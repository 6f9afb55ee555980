/**
 * `npm run build`: one esbuild bundle per Lambda entry point (`functions/<name>/lambda.ts` ->
 * `dist/<name>/index.mjs`), minified ESM for nodejs22.x with a linked source map, and a size table.
 * The SST stack deploys these directories as they are (infra/bundle.ts).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { API_REFERENCE_FILE } from "../functions/api/docs-asset";

const ROOT = join(import.meta.dirname, "..");

/**
 * The Lambda has no node_modules, so functions/api/docs-asset.ts (which reads the API reference's
 * script from there) becomes a module that carries the file as text. It is imported dynamically,
 * so the text lands in a chunk that only a request for `/docs/api-reference.js` loads.
 */
const docsAssetPlugin: Plugin = {
  name: "docs-asset",
  setup(b) {
    const file = join(ROOT, "node_modules", API_REFERENCE_FILE);
    b.onLoad({ filter: /[\\/]functions[\\/]api[\\/]docs-asset\.ts$/ }, () => ({
      contents: `import text from ${JSON.stringify(file)};\nexport const loadApiReference = async () => text;\n`,
      loader: "ts",
      resolveDir: ROOT,
    }));
    b.onLoad({ filter: /[\\/]@scalar[\\/]api-reference[\\/]dist[\\/]browser[\\/]standalone\.js$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8"),
      loader: "text",
    }));
  },
};

/** What every Lambda bundle (and the benchmark's floor bundle) is built with. */
export const LAMBDA_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  mainFields: ["module", "main"],
  metafile: true,
  // Code loaded on first use only (the OpenAPI generator, the console) goes to chunks of its own,
  // so a cold start never parses it.
  splitting: true,
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
  // Bundled CommonJS dependencies may require() Node built-ins; ESM has no `require` of its own.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  plugins: [docsAssetPlugin],
};

export interface BundleReport {
  name: string;
  file: string;
  /** What a cold start loads: the entry file and the chunks it imports statically. */
  bytes: number;
  gzipBytes: number;
  /** Every output file, including chunks loaded on first use only. */
  totalBytes: number;
  mapBytes: number;
  /** Largest inputs by bytes loaded at start, e.g. `node_modules/zod`. */
  top: { pkg: string; bytes: number }[];
  /** The output files a cold start reads: the entry file and its static imports (each one costs a read and a compile). */
  startFiles: string[];
  /** Every source file a cold start loads (repo-relative paths, e.g. `functions/api/app.ts`). */
  startInputs: string[];
  /** Every source file of the build, loaded at start or on first use (same paths). */
  inputs: string[];
}

/**
 * An esbuild input as a repo-relative path: packages as `node_modules/<pkg>/...` wherever
 * node_modules really is (a linked one makes esbuild report `../elsewhere/node_modules/...`).
 */
const repoRelative = (input: string) => (input.includes("node_modules/") ? input.slice(input.indexOf("node_modules/")) : input);

/** The functions the stack deploys: every `functions/<name>/lambda.ts`. */
export function lambdaEntries(root = ROOT): { name: string; entry: string }[] {
  const dir = join(root, "functions");
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, "lambda.ts")))
    .map((name) => ({ name, entry: join(dir, name, "lambda.ts") }));
}

/** The output files a cold start loads: the entry and, transitively, its static imports. */
function startupFiles(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !metafile.outputs[file]) return;
    seen.add(file);
    for (const i of metafile.outputs[file].imports) if (i.kind === "import-statement") visit(i.path);
  };
  visit(entry);
  return [...seen];
}

/** Groups output bytes by package (or by source folder for our own code). */
function topInputs(metafile: Metafile, files: string[]): { pkg: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const file of files) {
    for (const [path, { bytesInOutput }] of Object.entries(metafile.outputs[file]!.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const pkg = match ? match[1]! : path.split("/").slice(0, 2).join("/");
      totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bundles one entry (a file, or TypeScript source resolved from the repo root) into `<outdir>/index.mjs` and reports its size. */
export async function bundle(name: string, entry: string | { contents: string }, outdir: string): Promise<BundleReport> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.mjs");
  const input: BuildOptions =
    typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, sourcefile: `${name}.ts`, loader: "ts" } };
  const result = await build({ ...LAMBDA_BUILD_OPTIONS, ...input, outdir, absWorkingDir: ROOT });
  const metaDir = join(ROOT, "dist", "meta");
  mkdirSync(metaDir, { recursive: true });
  writeFileSync(join(metaDir, `${name}.json`), JSON.stringify(result.metafile));
  const metafile = result.metafile!;
  const outputs = Object.keys(metafile.outputs);
  const atStart = startupFiles(metafile, relative(ROOT, outfile));
  const code = Buffer.concat(atStart.map((file) => readFileSync(join(ROOT, file))));
  const size = (file: string) => statSync(join(ROOT, file)).size;
  const sum = (files: string[]) => files.reduce((total, file) => total + size(file), 0);
  return {
    name,
    file: relative(ROOT, outfile),
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    totalBytes: sum(outputs.filter((file) => !file.endsWith(".map"))),
    mapBytes: sum(outputs.filter((file) => file.endsWith(".map"))),
    top: topInputs(metafile, atStart).slice(0, 5),
    startFiles: atStart,
    startInputs: atStart.flatMap((file) => Object.keys(metafile.outputs[file]!.inputs)).map(repoRelative),
    inputs: Object.keys(metafile.inputs).map(repoRelative),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatReports(reports: BundleReport[]): string {
  const lines = [
    "| function | loaded at start | gzip | all files (incl. chunks loaded on first use) | source maps | largest parts loaded at start |",
    "|---|---:|---:|---:|---:|---|",
  ];
  for (const r of reports) {
    const parts = r.top.map((t) => `${t.pkg} ${kb(t.bytes)}`).join(", ");
    lines.push(`| ${r.name} (${r.file}) | ${kb(r.bytes)} | ${kb(r.gzipBytes)} | ${kb(r.totalBytes)} | ${kb(r.mapBytes)} | ${parts} |`);
  }
  return lines.join("\n");
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const reports: BundleReport[] = [];
  for (const { name, entry } of lambdaEntries()) reports.push(await bundle(name, entry, join(ROOT, "dist", name)));
  console.log(formatReports(reports));
}
