import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { fromItem } from "../../functions/core/storage/attributes";

describe("fromItem (the store's item decoder)", () => {
  it("answers what util-dynamodb's unmarshall answers for every type the store writes", () => {
    const value = {
      s: "text",
      n: 42,
      neg: -1.5,
      nil: null,
      yes: true,
      no: false,
      bytes: new Uint8Array([1, 2, 3]),
      map: { nested: { deep: ["a", 1, { b: null }] } },
      list: [1, "two", [3], { four: 4 }],
      strings: new Set(["x", "y"]),
      numbers: new Set([1, 2]),
      empty: {},
    };
    const item = marshall(value, { convertClassInstanceToMap: false });
    expect(fromItem(item)).toEqual(unmarshall(item));
    expect(fromItem(item)).toEqual(value);
  });

  it("leaves out the attributes it is told to skip", () => {
    expect(fromItem(marshall({ PK: "a", SK: "b", id: "c" }), new Set(["PK", "SK"]))).toEqual({ id: "c" });
  });

  it("refuses a number it cannot hold exactly rather than round it", () => {
    const item = { big: { N: "9007199254740993" } };
    expect(() => fromItem(item)).toThrow(/big holds a number outside the safe range/);
  });
});
