import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";

/** Who runs the local stack on a DATA_DIR: its DynamoDB endpoint and stream reader belong to it. */
export interface LockHolder {
  pid: number;
  /** Empty while the holder is still starting its engine. */
  dynamoEndpoint: string;
}

export class DataDirBusyError extends Error {
  constructor(dataDir: string, holder: LockHolder) {
    super(
      [
        `DATA_DIR ${dataDir} is in use by process ${holder.pid} (another npm start?).`,
        "  Stop it, or use another DATA_DIR. `npm run provision` can run beside it: it uses that process's DynamoDB.",
        `  If no such process runs, delete ${lockFile(dataDir)}.`,
      ].join("\n"),
    );
  }
}

const lockFile = (dataDir: string) => join(dataDir, "local-stack.lock");

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The live holder of the lock, if any (a lock left by a dead process does not count). */
export function lockHolder(dataDir: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
    return holder.pid !== process.pid && isAlive(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Takes the DATA_DIR lock (`wx`: two starting processes cannot both win); a lock left by a dead
 * process is taken over. `announce` records the DynamoDB endpoint once it is known.
 */
export function acquireDataDirLock(dataDir: string): { announce(dynamoEndpoint: string): void; release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const write = (flag: string, dynamoEndpoint: string) => {
    const fd = openSync(file, flag, 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid, dynamoEndpoint } satisfies LockHolder));
    closeSync(fd);
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      write("wx", "");
      return { announce: (endpoint) => write("w", endpoint), release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = lockHolder(dataDir);
      if (holder) throw new DataDirBusyError(dataDir, holder);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
