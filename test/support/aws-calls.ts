import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";

/** Counts every command a real SDK client sends, by name, through an SDK middleware. */
export interface CallCounter {
  counts: Record<string, number>;
  total(prefix?: "dynamodb" | "kms"): number;
  reset(): void;
}

export function countCalls(clients: { dynamodb: DynamoDBClient; kms: KMSClient }): CallCounter {
  const counts: Record<string, number> = {};
  for (const [service, client] of Object.entries(clients)) {
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const key = `${service}:${context.commandName}`;
        counts[key] = (counts[key] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: `count-${service}-calls` },
    );
  }
  return {
    counts,
    total: (prefix) => Object.entries(counts).filter(([k]) => !prefix || k.startsWith(prefix + ":")).reduce((n, [, v]) => n + v, 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
  };
}
