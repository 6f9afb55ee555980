process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../core/config";
import { createLogger } from "../core/logger";
import { createFilePublisher } from "../events/file-publisher";
import { createProvisionHandler } from "../provision/handler";
import { createIdempotencyStore, ensureIdempotencyTable } from "../provision/idempotency";
import type { MessageOutcome } from "../provision/messages";
import { DataDirBusyError } from "./data-dir-lock";
import { startDemoOkta } from "./demo-okta";
import { JavaMissingError } from "./dynamodb-local";
import { lambdaContext, sqsRecord } from "./sqs-delivery";
import { startLocalCore } from "./stack";

/**
 * `npm run provision -- events.jsonl [--demo-okta]`: feeds each non-blank line, in file order, to the
 * same handler the SQS Lambda runs, each as its own one-record delivery, against the local stack
 * of DATA_DIR (or the DynamoDB of an `npm start` already running on it). Prints one
 * `{ requestId, outcome, error? }` line per message on stdout (logs go to stderr) and exits 0.
 * A transient failure is delivered again, like SQS would, up to MAX_RECEIVES times, then `failed`.
 */
const MAX_RECEIVES = 3;
const QUEUE_ARN = "arn:aws:sqs:local:000000000000:local-cli";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "demo-okta": { type: "boolean", default: false } } });

const context = lambdaContext("provision-local", 60_000);

async function demoOkta(port: number, allowlist: string[], dataDir: string) {
  try {
    const demo = await startDemoOkta(port, { dataDir });
    allowlist.push(demo.hostPort);
    return demo;
  } catch (error) {
    // Already served by `npm run start:demo`: just allow it.
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    allowlist.push(`127.0.0.1:${port}`);
    return undefined;
  }
}

async function main() {
  const file = positionals[0];
  if (!file) throw new ConfigError("usage: npm run provision -- <events.jsonl> [--demo-okta]");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const config = loadConfig(process.env);
  const demo = values["demo-okta"] ? await demoOkta(config.DEMO_OKTA_PORT, config.oktaInsecureAllowlist, config.DATA_DIR) : undefined;
  const logger = createLogger((line) => process.stderr.write(line + "\n"));
  const core = await startLocalCore(config, logger, { borrowRunning: true });
  try {
    await ensureIdempotencyTable(core.dynamo, config.IDEMPOTENCY_TABLE_NAME);
    let settled: MessageOutcome | undefined;
    let retry: { requestId: string | null; error: { error: string; message: string } } | undefined;
    const handler = createProvisionHandler({
      service: core.service,
      idempotency: createIdempotencyStore(core.dynamo, config.IDEMPOTENCY_TABLE_NAME),
      publisher: createFilePublisher({ file: core.eventsFile }),
      logger,
      onOutcome: (outcome) => (settled = outcome),
      onRetry: (info) => (retry = info),
    });
    for (const body of lines) {
      const messageId = randomUUID();
      settled = undefined;
      for (let receive = 1; receive <= MAX_RECEIVES && !settled; receive++) {
        if (receive > 1) await new Promise((r) => setTimeout(r, 250 * 2 ** (receive - 2)));
        await handler({ Records: [sqsRecord(body, { messageId, receiveCount: receive, queueArn: QUEUE_ARN })] }, context);
      }
      const { requestId, outcome, error } = settled ?? { requestId: retry!.requestId, outcome: "failed" as const, error: retry!.error };
      process.stdout.write(JSON.stringify({ requestId, outcome, ...(error ? { error } : {}) }) + "\n");
    }
    await core.drainEvents();
  } finally {
    await core.stop();
    await demo?.close();
  }
}

main().catch((error) => {
  const known = error instanceof ConfigError || error instanceof JavaMissingError || error instanceof DataDirBusyError;
  process.stderr.write(`${known ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
