import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { fromItem, toItem } from "../../functions/core/storage/attributes";

/** A value of every type the store writes. */
const EVERY_TYPE = {
  s: "text",
  emptyString: "",
  n: 42,
  neg: -1.5,
  nil: null,
  yes: true,
  no: false,
  bytes: new Uint8Array([1, 2, 3]),
  buffer: Buffer.from("ab"),
  map: { nested: { deep: ["a", 1, { b: null }] } },
  list: [1, "two", [3], { four: 4 }],
  strings: new Set(["x", "y"]),
  numbers: new Set([1, 2]),
  blobs: new Set([new Uint8Array([9])]),
  empty: {},
  emptyList: [],
};

describe("fromItem (the store's item decoder)", () => {
  it("answers what util-dynamodb's unmarshall answers for every type the store writes", () => {
    const item = marshall(EVERY_TYPE, { convertClassInstanceToMap: false });
    expect(fromItem(item)).toEqual(unmarshall(item));
    expect(fromItem(item)).toEqual(EVERY_TYPE);
  });

  it("leaves out the attributes it is told to skip", () => {
    expect(fromItem(marshall({ PK: "a", SK: "b", id: "c" }), new Set(["PK", "SK"]))).toEqual({ id: "c" });
  });

  it("refuses a number it cannot hold exactly rather than round it", () => {
    const item = { big: { N: "9007199254740993" } };
    expect(() => fromItem(item)).toThrow(/big holds a number outside the safe range/);
  });
});

describe("toItem (the store's item encoder)", () => {
  it("builds what util-dynamodb's marshall builds (removeUndefinedValues)", () => {
    const options = { removeUndefinedValues: true, convertClassInstanceToMap: false };
    expect(toItem(EVERY_TYPE)).toEqual(marshall(EVERY_TYPE, options));
    const withHoles = { a: undefined, b: { c: undefined, d: 1 }, e: [undefined, "f"] };
    expect(toItem(withHoles)).toEqual(marshall(withHoles, options));
    expect(toItem(withHoles)).toEqual({ b: { M: { d: { N: "1" } } }, e: { L: [{ S: "f" }] } });
  });

  it("round-trips through fromItem", () => {
    expect(fromItem(toItem(EVERY_TYPE))).toEqual(EVERY_TYPE);
  });

  it.each([
    ["a number it cannot hold exactly", { big: 2 ** 53 + 2 }, /big holds a number outside the safe range/],
    ["NaN", { nan: Number.NaN }, /nan holds a number outside the safe range/],
    ["an empty set", { set: new Set() }, /set is a set that is empty or mixes types/],
    ["a mixed set", { set: new Set(["a", 1]) }, /set is a set that is empty or mixes types/],
    ["a class instance", { when: new Date(0) }, /when has a type this store does not write/],
    ["a bigint", { big: 1n }, /big has a type this store does not write/],
  ])("refuses %s, naming the attribute", (_what, input, message) => {
    expect(() => toItem(input)).toThrow(message);
  });
});
