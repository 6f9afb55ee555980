process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { startDemoOkta } from "./demo-okta";
import { mintDevToken } from "./dev-token";
import { DataDirBusyError } from "./data-dir-lock";
import { JavaMissingError } from "./dynamodb-local";
import { checkPortsFree, PortBusyError, type NamedPort } from "./free-port";
import { serveApp } from "./serve";
import { startLocalStack } from "./stack";


/** Binds the HTTP server; a port taken since the check is the same one-line error. */
function listen(fetch: Parameters<typeof serveApp>[0]["fetch"], wanted: NamedPort, command: string) {
  const server = serveApp({ fetch, port: wanted.port, hostname: "127.0.0.1" });
  return new Promise<typeof server>((ready, fail) => {
    server.once("listening", () => ready(server));
    server.once("error", (error: NodeJS.ErrnoException) => fail(error.code === "EADDRINUSE" ? new PortBusyError(wanted, undefined, command) : error));
  });
}

/**
 * Calls `onOrphaned` when the process that started this one ends (a `kill -9` of npm, a closed
 * terminal): polling is the only portable way to notice, and once a second is enough.
 */
function watchParent(onOrphaned: () => void) {
  const parent = process.ppid;
  if (parent <= 1) return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") onOrphaned();
    }
  }, 1_000).unref();
}

/**
 * `npm start`: the whole service on one port, with embedded defaults and no AWS account.
 * `--demo-okta` (npm run start:demo) also runs a stand-in Okta org on 127.0.0.1:DEMO_OKTA_PORT and allows it.
 * Change events go to DATA_DIR/events.jsonl; `--events` also prints them on stdout.
 * DynamoDB Local ends with this process on every path (see dynamodb-local.ts).
 */
async function main() {
  const began = Date.now();
  const progress = (step: string) => process.stderr.write(`  ${step} (${((Date.now() - began) / 1000).toFixed(1)} s)\n`);
  const config = loadConfig(process.env);
  const withDemo = process.argv.includes("--demo-okta");
  const command = withDemo ? "npm run start:demo" : "npm start";
  const http: NamedPort = { variable: "PORT", port: config.PORT };
  const demoPort: NamedPort = { variable: "DEMO_OKTA_PORT", port: config.DEMO_OKTA_PORT };
  await checkPortsFree(withDemo ? [http, demoPort] : [http], command);

  process.stderr.write(`Starting Okta App Connections (DATA_DIR ${config.DATA_DIR})\n`);
  const demo = withDemo
    ? await startDemoOkta(demoPort.port, { dataDir: config.DATA_DIR }).catch((error: NodeJS.ErrnoException) => {
        throw error.code === "EADDRINUSE" ? new PortBusyError(demoPort, undefined, command) : error;
      })
    : undefined;
  if (demo) config.oktaInsecureAllowlist.push(demo.hostPort);
  const stack = await startLocalStack(config, createLogger(), { echoEvents: process.argv.includes("--events"), onProgress: progress, healthSchedule: true }).catch(
    async (error) => {
      await demo?.close();
      throw error;
    },
  );
  const server = await listen(stack.app.fetch, http, command).catch(async (error) => {
    await Promise.all([stack.stop(), demo?.close()]);
    throw error;
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const lines = [`Okta App Connections listening on ${base} (ready in ${((Date.now() - began) / 1000).toFixed(1)} s)`, `  API docs: ${base}/docs`, `  Change events: ${stack.eventsFile}`];
  if (stack.auth.kind === "jwks") {
    const { url, issuer, audience } = stack.auth;
    lines.push(`  Auth: bearer tokens are verified against ${url} (issuer ${issuer}, audience ${audience}); no dev token is printed`);
  } else if (stack.generatedSecret) {
    const token = await mintDevToken(stack.authJwtSecret, { sub: "dev-admin", orgId: "dev-org", orgRole: "admin" });
    lines.push("  Dev token (org admin of dev-org, valid 12 h):", `  export TOKEN=${token}`);
    // In the fragment, which browsers never send: the page moves it to sessionStorage.
    lines.push(`  Console: ${base}/console#token=${token}`);
  }
  if (demo) lines.push(`  Demo Okta org: ${demo.origin} (any token of Okta's shape passes; 00invalid... fails)`);
  process.stderr.write(lines.join("\n") + "\n");

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests, then stopping\n`);
    // close() stops accepting and resolves once in-flight requests are done; then the engines stop.
    server.close(() => void Promise.all([stack.stop(), demo?.close()]).then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  watchParent(() => shutdown("parent process ended"));
}

main().catch((error) => {
  const known =
    error instanceof ConfigError || error instanceof JavaMissingError || error instanceof DataDirBusyError || error instanceof PortBusyError;
  process.stderr.write(`${known ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
