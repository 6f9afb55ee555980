/**
 * Lets a batch's items run at once while those that share a key run in the batch's order: each item
 * waits for the previous item of every key it names (and only for those). Keys are any strings; an
 * item without keys waits for nothing. A failed item frees its successors as a settled one does.
 *
 * @example
 * const inTurn = batchLanes(records, (r) => [`name:${r.name}`]);
 * await Promise.all(records.map((r) => inTurn(r, () => apply(r))));
 */
export function batchLanes<T>(items: readonly T[], keysOf: (item: T) => readonly string[]) {
  const tails = new Map<string, Promise<void>>();
  // By item, in batch order: the same item may appear twice (SQS can deliver a message twice).
  const slots = new Map<T, { turn: Promise<unknown>; done: () => void }[]>();
  for (const item of items) {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const keys = keysOf(item);
    const before = keys.map((key) => tails.get(key)).filter((tail) => tail !== undefined);
    for (const key of keys) tails.set(key, finished);
    const turn = before.length === 0 ? Promise.resolve() : Promise.all(before);
    slots.set(item, [...(slots.get(item) ?? []), { turn, done }]);
  }
  /** Runs `run` for `item` once its predecessors are done; an item the batch did not hold runs at once. */
  return async function inTurn<R>(item: T, run: () => Promise<R>): Promise<R> {
    const slot = slots.get(item)?.shift();
    if (!slot) return run();
    try {
      await slot.turn;
      return await run();
    } finally {
      slot.done();
    }
  };
}
