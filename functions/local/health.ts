process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../core/config";
import type { ConnectionRecord } from "../core/connections/model";
import { createLogger } from "../core/logger";
import { DataDirBusyError } from "./data-dir-lock";
import { JavaMissingError } from "./dynamodb-local";
import { startLocalCore } from "./stack";

/**
 * `npm run health [-- --now]`: one health sweep against DATA_DIR (or the DynamoDB of an `npm start`
 * already running on it), its checks run here, then a table of the connections it checked.
 * Without `--now` only what is due; with it, every connection, due or not.
 */
const { values } = parseArgs({ options: { now: { type: "boolean", default: false } } });

export function healthTable(records: ConnectionRecord[]): string {
  const rows = [
    ["NAME", "PROJECT", "STATUS", "CHECKED AT", "ERROR"],
    ...records.map((r) => [r.name, r.projectId ?? "(org)", r.health.status, r.health.checkedAt ?? "-", r.health.error ? `${r.health.error.error}: ${r.health.error.message}` : "-"]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger((line) => process.stderr.write(line + "\n"));
  const core = await startLocalCore(config, logger, { borrowRunning: true });
  try {
    const outcomes = await core.health.sweepAndCheck({ all: values.now });
    const checked = outcomes.filter((o) => o.outcome === "recorded");
    const due = await Promise.all(outcomes.map((o) => core.health.read(o.orgId, o.connectionId)));
    process.stdout.write(`${checked.length} of ${outcomes.length} connection(s) checked\n`);
    const records = due.filter((r): r is ConnectionRecord => r !== null);
    if (records.length > 0) process.stdout.write(healthTable(records) + "\n");
    await core.drainEvents();
  } finally {
    await core.stop();
  }
}

main().catch((error) => {
  const known = error instanceof ConfigError || error instanceof JavaMissingError || error instanceof DataDirBusyError;
  process.stderr.write(`${known ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
