import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { EVENT_SOURCE, type EventPublisher } from "./publisher";

/**
 * Local adapter: one JSON line per event, in EventBridge's delivered shape (`source`,
 * `detail-type`, `time`, `detail`), appended to `file`; `echo` also receives each line (stdout).
 */
export function createFilePublisher(opts: { file: string; echo?: (line: string) => void }): EventPublisher {
  return {
    async publish(entries) {
      if (entries.length === 0) return { failed: [] };
      const lines = entries.map((e) =>
        JSON.stringify({ source: EVENT_SOURCE, "detail-type": e.detailType, time: e.time.toISOString(), detail: e.detail }),
      );
      await mkdir(dirname(opts.file), { recursive: true });
      await appendFile(opts.file, lines.join("\n") + "\n", { mode: 0o600 });
      for (const line of lines) opts.echo?.(line);
      return { failed: [] };
    },
  };
}
