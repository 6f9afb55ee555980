import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { describeError, type Logger } from "../core/logger";

export interface StreamReaderOptions {
  dynamo: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  /** The same handler Lambda runs on the stream. */
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  /** Last delivered sequence number per shard, so a restart (or the provision CLI) resumes, not replays. */
  checkpointFile: string;
  intervalMs?: number;
  logger?: Logger;
}

type Checkpoint = { streamArn: string; shards: Record<string, string> };

/** SDK values → the JSON Lambda delivers: binary as base64, nested maps and lists alike. */
function toLambdaValue(value: any): any {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toLambdaValue);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLambdaValue(v)]));
  return value;
}

/** A GetRecords record in Lambda's `DynamoDBRecord` shape (ARN added, time in epoch seconds). */
export function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...rest } = record.dynamodb ?? {};
  return {
    ...toLambdaValue({ ...record, dynamodb: rest }),
    dynamodb: { ...toLambdaValue(rest), ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: ApproximateCreationDateTime.getTime() / 1000 } : {}) },
    eventSourceARN: streamArn,
  };
}

/**
 * Local stand-in for Lambda's stream event source mapping: polls DynamoDB Local's stream
 * (DescribeStream / GetShardIterator / GetRecords) and hands each batch to the handler. A batch
 * with item failures is read again from the first failed record on the next poll.
 */
export function createStreamReader(opts: StreamReaderOptions) {
  const { dynamo, streams, tableName, handler, logger } = opts;
  let checkpoint: Checkpoint | null = existsSync(opts.checkpointFile) ? JSON.parse(readFileSync(opts.checkpointFile, "utf8")) : null;
  // Iterators are kept between polls, so a quiet poll costs one GetRecords per shard.
  const iterators = new Map<string, string | null>();
  let refreshedAt = 0;
  let busy: Promise<number> = Promise.resolve(0);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Stream ARN and shards, re-read every few seconds (DynamoDB rolls shards over). */
  async function refresh(): Promise<Checkpoint> {
    if (checkpoint && Date.now() - refreshedAt < 5_000) return checkpoint;
    const arn = (await dynamo.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${tableName} has no stream`);
    // A new stream (the table was recreated) starts from its beginning.
    if (checkpoint?.streamArn !== arn) {
      checkpoint = { streamArn: arn, shards: {} };
      iterators.clear();
    }
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards ?? [];
    for (const { ShardId } of shards) {
      if (!ShardId || iterators.has(ShardId)) continue;
      const after = checkpoint.shards[ShardId];
      const start = after
        ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER" as const, SequenceNumber: after }
        : { ShardIteratorType: "TRIM_HORIZON" as const };
      iterators.set(ShardId, (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId, ...start }))).ShardIterator ?? null);
    }
    refreshedAt = Date.now();
    return checkpoint;
  }

  async function readShard(shardId: string, cp: Checkpoint): Promise<number> {
    let delivered = 0;
    for (let iterator = iterators.get(shardId); iterator; iterator = iterators.get(shardId)) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = (out.Records ?? []).map((r) => toLambdaRecord(r, cp.streamArn));
      // A closed shard has no next iterator; it stays in the map (as null) so it is not reopened.
      iterators.set(shardId, out.NextShardIterator ?? null);
      if (records.length === 0) break;
      const { batchItemFailures } = await handler({ Records: records });
      const failedAt = records.findIndex((r) => batchItemFailures.some((f) => f.itemIdentifier === r.dynamodb?.SequenceNumber));
      const done = failedAt === -1 ? records : records.slice(0, failedAt);
      if (done.length > 0) cp.shards[shardId] = done[done.length - 1]!.dynamodb!.SequenceNumber!;
      writeFileSync(opts.checkpointFile, JSON.stringify(cp), { mode: 0o600 });
      delivered += done.length;
      if (failedAt !== -1) {
        iterators.delete(shardId); // re-read from the checkpoint at the next refresh
        refreshedAt = 0;
        break;
      }
    }
    return delivered;
  }

  async function pollOnce(): Promise<number> {
    const cp = await refresh();
    let delivered = 0;
    for (const shardId of [...iterators.keys()]) {
      try {
        delivered += await readShard(shardId, cp);
      } catch (error) {
        iterators.delete(shardId); // an expired or broken iterator: start again from the checkpoint
        refreshedAt = 0;
        throw error;
      }
    }
    return delivered;
  }

  /** Polls never overlap: each waits for the one before. */
  const poll = () => (busy = busy.then(pollOnce, pollOnce).catch((error) => (logger?.error("stream poll failed", describeError(error)), 0)));

  const schedule = () => {
    if (!stopped) timer = setTimeout(() => void poll().then(schedule), opts.intervalMs ?? 500);
  };

  return {
    start() {
      schedule();
    },
    /**
     * Reads until the stream has nothing more. Records show up about 15 ms after a write (more on a
     * loaded machine), so "nothing more" means two empty reads 100 ms apart.
     */
    async drain() {
      const pause = () => new Promise((r) => setTimeout(r, 100));
      await pause();
      for (let quiet = 0; quiet < 2; quiet = (await poll()) > 0 ? 0 : quiet + 1) if (quiet > 0) await pause();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await busy;
    },
  };
}
