import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Secrets a local run needs but the user did not give: generated once, kept in DATA_DIR (0600). */
export interface LocalSecrets {
  authJwtSecret: string;
  cursorSecret: string;
  /** Keys the `credentialsHash` HMAC (CREDENTIALS_HASH_KEY in AWS). */
  credentialsHashKey: string;
}

const NAMES = ["authJwtSecret", "cursorSecret", "credentialsHashKey"] as const satisfies readonly (keyof LocalSecrets)[];
const generate = () => randomBytes(32).toString("base64url");

/**
 * Reads `DATA_DIR/secrets.json`, creating it (mode 0600) when missing. A file from an earlier
 * release keeps its secrets and gains the ones it lacks, so existing tokens and cursors stay valid.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets & { created: boolean } {
  const file = join(dataDir, "secrets.json");
  const found = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>) : undefined;
  const secrets = Object.fromEntries(NAMES.map((name) => [name, found?.[name] ?? generate()])) as unknown as LocalSecrets;
  if (!found || NAMES.some((name) => found[name] === undefined)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  chmodSync(file, 0o600); // writeFileSync's mode applies only when it creates the file
  return { ...secrets, created: found === undefined };
}
