import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTime } from "../../functions/core/iso-time";

const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe("isoTime", () => {
  it("writes what toISOString writes, for any millisecond from 1970 to 9999", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: LAST_MS }), (ms) => isoTime(ms) === new Date(ms).toISOString()), { numRuns: 20_000 });
  });

  it("at the edges of days, months, leap years and centuries", () => {
    const edges = [
      0, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000,
      Date.UTC(1972, 1, 29), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29, 12), Date.UTC(2000, 2, 1),
      Date.UTC(2026, 11, 3, 11, 4, 18, 5), Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(2400, 1, 29), LAST_MS,
    ];
    for (const ms of edges) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it("leaves what it does not cover to Date: before 1970, past 9999, fractions (and throws as it throws)", () => {
    for (const ms of [-1, -86_400_000 * 400, LAST_MS + 1, 1.5, Date.UTC(2026, 0, 1) + 0.25]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
