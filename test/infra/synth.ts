/**
 * Runs the whole `run()` of sst.config.ts offline, the way the SST CLI does (esbuild bundle with
 * SST's globals and shim, @pulumi/* from .sst/platform), but under Pulumi mocks, and returns every
 * resource the stack would create with its inputs. Needs `scripts/sst-offline.sh install` first.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

export const ROOT = join(import.meta.dirname, "..", "..");
const PLATFORM = join(ROOT, ".sst", "platform");

export interface RecordedResource {
  type: string;
  /** Pulumi's logical name. */
  name: string;
  id: string;
  /** A lookup of an existing resource (`Resource.get`), not one the stack creates. */
  read: boolean;
  inputs: Record<string, any>;
  /** Inputs plus what AWS would compute (ARNs, ids), as the mocks answered. */
  outputs: Record<string, any>;
}

export interface Synth {
  stage: string;
  outputs: Record<string, unknown>;
  resources: RecordedResource[];
  rpcCalls: { method: string; args: any }[];
}

export interface SynthOptions {
  stage: string;
  /** Deploy-time environment (AUTH_ISSUER, ...); merged over the current one. */
  env?: Record<string, string>;
  /** Replace one module of the repo by another at bundle time (e.g. a mutated key design). */
  replace?: Record<string, string>;
}

/** Errors from a missing `sst install` name the fix. */
function requirePlatform() {
  if (!existsSync(join(PLATFORM, "src", "auto", "run.ts"))) {
    throw new Error(".sst/platform is missing: run `bash scripts/sst-offline.sh install` (npm run check:infra does)");
  }
}

/** SST's "InjectGlobals": every file of the app sees the providers and `sst` as globals. */
function injectGlobals(): Plugin {
  const lock = JSON.parse(readFileSync(join(ROOT, ".sst", "provider-lock.json"), "utf8")) as { alias: string; package: string }[];
  const globals = [
    ...lock.map((p) => `import * as ${p.alias} from "${p.package}";`),
    `import * as sst from ${JSON.stringify(join(PLATFORM, "src", "components"))};`,
  ].join("\n");
  return {
    name: "inject-globals",
    setup(b) {
      b.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async (args) => {
        const contents = await readFile(args.path, "utf8");
        const ours = !args.path.includes(".sst") && !args.path.includes("node_modules");
        return { contents: ours ? `${globals}\n${contents}` : contents, loader: "default" };
      });
    },
  };
}

function replaceModules(replace: Record<string, string>): Plugin {
  return {
    name: "replace-modules",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === "replaced" || args.kind === "entry-point") return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "replaced" });
        const target = replace[resolved.path];
        return target ? { path: target } : undefined;
      });
    },
  };
}

export async function synthesize(options: SynthOptions): Promise<Synth> {
  requirePlatform();
  const tag = `${options.stage}-${process.pid}-${Date.now()}`;
  const outfile = join(PLATFORM, `sst.config.check-${tag}.mjs`);
  const resultFile = join(ROOT, ".cache", "infra", `synth-${tag}.json`);
  mkdirSync(join(ROOT, ".cache", "infra"), { recursive: true });
  const entry = `
    import { finish } from ${JSON.stringify(join(import.meta.dirname, "harness", "mocks.mjs"))};
    import * as pulumi from "@pulumi/pulumi";
    import { run } from ${JSON.stringify(join(PLATFORM, "src", "auto", "run.ts"))};
    import mod from ${JSON.stringify(join(ROOT, "sst.config.ts"))};
    const stage = process.env.INFRA_SYNTH_STAGE;
    const app = await mod.app({ stage });
    globalThis.$app = { name: app.name, stage, removal: app.removal ?? "retain", protect: Boolean(app.protect), home: app.home, providers: app.providers ?? {} };
    const outputs = await pulumi.runtime.runInPulumiStack(() => run(mod.run));
    await finish(outputs);
  `;
  await build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "eval.ts", loader: "ts" },
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    sourcemap: "inline",
    mainFields: ["module", "main"],
    nodePaths: [join(PLATFORM, "node_modules")],
    inject: [join(PLATFORM, "src", "shim", "run.js")],
    external: ["@pulumi/*", "undici", "@pulumiverse/*", "@sst-provider/*", "@aws-sdk/*", "esbuild", "archiver", "glob", "vite"],
    banner: {
      js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url); import { fileURLToPath as topLevelFileUrlToPath } from "url"; const __filename = topLevelFileUrlToPath(import.meta.url); const __dirname = topLevelFileUrlToPath(new URL(".", import.meta.url));',
    },
    plugins: [...(options.replace ? [replaceModules(options.replace)] : []), injectGlobals()],
    logLevel: "error",
  });
  try {
    const env = {
      ...process.env,
      ...options.env,
      INFRA_SYNTH_ROOT: ROOT,
      INFRA_SYNTH_STAGE: options.stage,
      INFRA_SYNTH_OUT: resultFile,
      PULUMI_CONFIG: JSON.stringify({ "aws:region": "us-east-1" }),
      NODE_OPTIONS: "--enable-source-maps --no-deprecation --no-warnings",
    };
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [outfile], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
    if (code !== 0 || !existsSync(resultFile)) throw new Error(`The stack program failed (exit ${code}):\n${output}`);
    if (process.env.INFRA_SYNTH_DEBUG) console.log(output);
    return JSON.parse(readFileSync(resultFile, "utf8")) as Synth;
  } finally {
    rmSync(outfile, { force: true });
    rmSync(resultFile, { force: true });
  }
}
