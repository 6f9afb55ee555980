import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, type Json } from "../../functions/core/canonical-json";

/** The definition, written plainly: stored credential hashes depend on these exact bytes. */
function reference(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(value[k]!)}`).join(",")}}`;
}

describe("canonicalJson", () => {
  it("gives the reference's bytes for any JSON value, whatever its strings hold", () => {
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\ud800", "\udfff", "\ud83d\ude00", "\u2028", "é"));
    const json = fc.letrec<{ value: Json }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(text, tie("value"), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(fc.property(json, (value) => canonicalJson(value) === reference(value)), { numRuns: 2_000 });
  });

  it("sorts keys by UTF-16 code unit, numeric-looking keys too, at every depth", () => {
    const value = { b: 1, a: [1, { z: null, é: true, e: "x", E: 2, "\u{1F600}": 2, "\uffff": 3 }], "": "empty", "10": 1, "9": 2 };
    expect(canonicalJson(value)).toBe('{"":"empty","10":1,"9":2,"a":[1,{"E":2,"e":"x","z":null,"é":true,"\u{1F600}":2,"\uffff":3}],"b":1}');
    expect(canonicalJson({ y: { d: 1, c: 2 }, x: -0 })).toBe('{"x":0,"y":{"c":2,"d":1}}');
  });
});
