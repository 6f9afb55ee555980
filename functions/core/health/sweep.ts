import type { ConnectionStore, DueConnection, StoreKey } from "../connections/store";
import { HEALTH_DUE_SHARDS } from "../storage/keys";

export interface SweepOptions {
  store: Pick<ConnectionStore, "listDue">;
  /** Receives each page of due connections (the queue in AWS, the checker in process locally). */
  dispatch(batch: DueConnection[]): Promise<void>;
  clock?: () => Date;
  pageSize?: number;
  /** Bounds one sweep's work; what is left is still due, and the next sweep finds it. */
  maxDue?: number;
  /**
   * Also take what falls due before the next sweep (its period): then every connection is
   * checked within its interval, never a sweep period late.
   */
  lookaheadSeconds?: number;
}

/**
 * Due connections read by one Query: a due key is about 150 bytes, so this many stay far below a
 * Query's 1 MB, and a sweep of 10,000 costs a dozen Queries instead of a hundred.
 */
const READ_SIZE = 1_000;

/**
 * One pass over the health due index (never a table scan): every partition, earliest first,
 * everything due now, handed on page by page. Costs one Query per 1,000 due per partition.
 */
export async function sweepDue(opts: SweepOptions): Promise<{ due: number }> {
  const now = (opts.clock ?? (() => new Date()))().getTime();
  const before = new Date(now + (opts.lookaheadSeconds ?? 0) * 1000).toISOString();
  const pageSize = opts.pageSize ?? 100;
  const maxDue = opts.maxDue ?? 50_000;
  const readSize = Math.max(pageSize, READ_SIZE);
  let due = 0;
  for (let shard = 0; shard < HEALTH_DUE_SHARDS && due < maxDue; shard++) {
    let key: StoreKey | undefined;
    do {
      const read = await opts.store.listDue(shard, before, Math.min(readSize, maxDue - due), key);
      for (let i = 0; i < read.items.length; i += pageSize) await opts.dispatch(read.items.slice(i, i + pageSize));
      due += read.items.length;
      key = read.lastKey;
    } while (key && due < maxDue);
  }
  return { due };
}
