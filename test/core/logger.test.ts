import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../functions/core/logger";

describe("log lines", () => {
  afterEach(() => vi.useRealTimers());

  it("carry the time as toISOString writes it, to the millisecond, across seconds", () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    const instants = [Date.UTC(2026, 11, 3, 11, 4, 18, 5), Date.UTC(2026, 11, 3, 11, 4, 18, 42), Date.UTC(2026, 11, 3, 11, 4, 18, 999), Date.UTC(2026, 11, 3, 11, 4, 19, 0), Date.UTC(2026, 11, 31, 23, 59, 59, 120), Date.UTC(2027, 0, 1, 0, 0, 0, 7)];
    vi.useFakeTimers();
    for (const at of instants) {
      vi.setSystemTime(at);
      logger.info("tick", { at });
    }
    expect(lines.map((line) => JSON.parse(line).time)).toEqual(instants.map((at) => new Date(at).toISOString()));
  });

  it("are one JSON object each: level, time and message first, then the fields", () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).warn("careful", { a: 1, nested: { b: "two" } });
    createLogger((line) => lines.push(line)).error("bare");
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["level", "time", "message", "a", "nested"]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", message: "careful", a: 1, nested: { b: "two" } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: "error", message: "bare" });
  });
});
