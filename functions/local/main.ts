process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { serve } from "@hono/node-server";
import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { mintDevToken } from "./dev-token";
import { JavaMissingError } from "./dynamodb-local";
import { startLocalStack } from "./stack";

/** `npm start`: the whole service on one port, with embedded defaults and no AWS account. */
async function main() {
  const config = loadConfig(process.env);
  const stack = await startLocalStack(config, createLogger());
  const server = serve({ fetch: stack.app.fetch, port: config.PORT, hostname: "127.0.0.1" });
  await new Promise<void>((ready) => server.once("listening", ready));
  const base = `http://localhost:${config.PORT}`;
  const lines = [`Okta App Connections listening on ${base}`, `  API docs: ${base}/docs`];
  if (stack.generatedSecret) {
    const token = await mintDevToken(stack.authJwtSecret, { sub: "dev-admin", orgId: "dev-org", orgRole: "admin" });
    lines.push("  Dev token (org admin of dev-org, valid 12 h):", `  export TOKEN=${token}`);
  }
  process.stderr.write(lines.join("\n") + "\n");

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests, then stopping\n`);
    // close() stops accepting and resolves once in-flight requests are done; then the engines stop.
    server.close(() => void stack.stop().then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  const known = error instanceof ConfigError || error instanceof JavaMissingError;
  process.stderr.write(`${known ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
