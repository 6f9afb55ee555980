process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { serve } from "@hono/node-server";
import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { DEMO_OKTA_PORT, startDemoOkta } from "./demo-okta";
import { mintDevToken } from "./dev-token";
import { DataDirBusyError } from "./data-dir-lock";
import { JavaMissingError } from "./dynamodb-local";
import { startLocalStack } from "./stack";


/**
 * `npm start`: the whole service on one port, with embedded defaults and no AWS account.
 * `--demo-okta` (npm run start:demo) also runs a stand-in Okta org on 127.0.0.1:8788 and allows it.
 * Change events go to DATA_DIR/events.jsonl; `--events` also prints them on stdout.
 */
async function main() {
  const config = loadConfig(process.env);
  const demo = process.argv.includes("--demo-okta") ? await startDemoOkta(DEMO_OKTA_PORT) : undefined;
  if (demo) config.oktaInsecureAllowlist.push(demo.hostPort);
  const stack = await startLocalStack(config, createLogger(), { echoEvents: process.argv.includes("--events"), healthSchedule: true });
  const server = serve({ fetch: stack.app.fetch, port: config.PORT, hostname: "127.0.0.1" });
  await new Promise<void>((ready) => server.once("listening", ready));
  const base = `http://127.0.0.1:${config.PORT}`;
  const lines = [`Okta App Connections listening on ${base}`, `  API docs: ${base}/docs`, `  Change events: ${stack.eventsFile}`];
  if (stack.generatedSecret) {
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
}

main().catch((error) => {
  const known = error instanceof ConfigError || error instanceof JavaMissingError || error instanceof DataDirBusyError;
  process.stderr.write(`${known ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
