import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Secrets a local run needs but the user did not give: generated once, kept in DATA_DIR (0600). */
export interface LocalSecrets {
  authJwtSecret: string;
  cursorSecret: string;
}

export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets & { created: boolean } {
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { ...(JSON.parse(readFileSync(file, "utf8")) as LocalSecrets), created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets: LocalSecrets = {
    authJwtSecret: randomBytes(32).toString("base64url"),
    cursorSecret: randomBytes(32).toString("base64url"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return { ...secrets, created: true };
}
