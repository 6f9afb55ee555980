import { describe, expect, it } from "vitest";
import { batchLanes } from "../../functions/provision/lanes";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A batch's records as the handler sees them: distinct keys overlap, a shared key runs in batch order. */
describe("batchLanes", () => {
  it("runs items of distinct keys at once and items of one key in batch order, a failure included", async () => {
    const items = [
      { id: "a1", keys: ["a"] },
      { id: "b1", keys: ["b"] },
      { id: "a2", keys: ["a"] },
      { id: "ab", keys: ["a", "b"] },
      { id: "none", keys: [] },
    ];
    const inTurn = batchLanes(items, (item) => item.keys);
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const results = await Promise.allSettled(
      [...items].reverse().map((item) =>
        inTurn(item, async () => {
          most = Math.max(most, ++running);
          log.push(`start ${item.id}`);
          await tick();
          log.push(`end ${item.id}`);
          running--;
          if (item.id === "a1") throw new Error("transient");
          return item.id;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(most).toBeGreaterThanOrEqual(3); // a1, b1 and none together
    const at = (entry: string) => log.indexOf(entry);
    expect(at("start a2")).toBeGreaterThan(at("end a1"));
    expect(at("start ab")).toBeGreaterThan(at("end a2"));
    expect(at("start ab")).toBeGreaterThan(at("end b1"));
  });
});
