import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { connectionIdParamSchema } from "../../functions/api/schemas";
import { parseExplained, parseExplainedSync, withPlainParse } from "../../functions/core/validation";

/** The schema as it would be without its fast path: the answers the fast path must not change. */
const plain = z.strictObject({
  connectionId: z.pipe(z.uuid("connectionId must be a UUID"), z.transform((id: string) => id.toLowerCase())),
});
const root = { whole: "params", prefix: "params" };

describe("the connection id's fast path", () => {
  it("answers exactly as zod does, for ids and for anything else", () => {
    const hex = fc.constantFrom(..."0123456789abcdefABCDEFgxG-");
    const uuidLike = fc
      .tuple(fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }), fc.boolean(), fc.nat(40), hex)
      .map(([id, upper, at, c]) => {
        const text = upper ? id.toUpperCase() : id;
        return at < text.length && at % 3 === 0 ? text.slice(0, at) + c + text.slice(at + 1) : text; // now and then one character changed
      });
    const connectionId = fc.oneof(uuidLike, fc.constantFrom("00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "", " "), fc.string(), fc.integer(), fc.constant(undefined));
    const params = fc.oneof(
      connectionId.map((id) => ({ connectionId: id })),
      fc.tuple(connectionId, fc.string()).map(([id, key]) => ({ connectionId: id, [key || "x"]: "y" })),
      fc.constantFrom(null, "text", 3, [], {}),
    );
    fc.assert(
      fc.property(params, (value) => {
        expect(parseExplainedSync(connectionIdParamSchema, value, root)).toEqual(parseExplainedSync(plain, value, root));
      }),
      { numRuns: 5_000 },
    );
  });

  it("lower-cases a valid id and words the 422 of an invalid one", () => {
    expect(parseExplainedSync(connectionIdParamSchema, { connectionId: "6F1C2D9E-2F6A-4A51-9D7E-0C7C1E8F4B21" }, root)).toEqual({ success: true, data: { connectionId: "6f1c2d9e-2f6a-4a51-9d7e-0c7c1e8f4b21" } });
    expect(parseExplainedSync(connectionIdParamSchema, { connectionId: "nope" }, root)).toMatchObject({ success: false, message: "params.connectionId must be a UUID" });
  });

  it("is asked first by both parse paths, sync and async; what it does not know goes to zod", async () => {
    // A plain parser that marks its answers, to see which side answered (a real one must not).
    const schema = withPlainParse(z.object({ n: z.number() }), (input) => ((input as { n?: unknown }).n === 1 ? ({ n: 1, plainly: true } as { n: number }) : undefined));
    const answers = [parseExplainedSync(schema, { n: 1 }, root), await parseExplained(schema, { n: 1 }, root)];
    expect(answers).toEqual([{ success: true, data: { n: 1, plainly: true } }, { success: true, data: { n: 1, plainly: true } }]);
    expect(await parseExplained(schema, { n: 2 }, root)).toEqual({ success: true, data: { n: 2 } });
    expect(await parseExplained(schema, { n: "x" }, root)).toMatchObject({ success: false, message: "params.n must be a number" });
  });
});
