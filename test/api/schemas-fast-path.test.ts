import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { connectionIdParamSchema } from "../../functions/api/schemas";
import { createConnectionSchema, plainApiTokenCreate } from "../../functions/core/connections/schemas";
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

describe("the create body's fast path (an API-token connection)", () => {
  const body = { whole: "body", prefix: "body" };
  /** The same schema without a fast path of its own: zod's answers. */
  const zodOnly = z.lazy(() => createConnectionSchema);
  const token = "00" + "a".repeat(40);
  const text = (values: unknown[]) => fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 70 }));
  /** Mostly the commonest value, so that many bodies are ones the fast path reads. */
  const mostly = <T>(usual: T, other: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: other, weight: 1 });
  const instanceUrl = text([
    "https://acme.okta.com",
    "https://ACME.okta.com",
    "https://acme.okta.com/",
    "https://acme.okta.com:443",
    "https://acme.okta.com.",
    "https://acme.okta.com..",
    "https://acme.okta.com/path",
    "https://acme.okta.com?x=1",
    "https://acme.okta.com#top",
    "https://user:pass@acme.okta.com",
    "http://127.0.0.1:8788",
    "ftp://acme.okta.com",
    "not a url",
    "https://" + "a".repeat(250) + ".com",
    3,
  ]);
  const apiToken = text([token, token.slice(1), token + "b", "00" + "-_".repeat(20), "10" + "a".repeat(40), null]);
  const credentials = fc.oneof(
    fc.record({ instanceUrl, apiToken }),
    fc.record({ instanceUrl, apiToken, clientId: fc.constant("abc") }),
    fc.record({ instanceUrl, apiToken }, { requiredKeys: [] }),
    fc.constantFrom(null, "text", [], {}),
  );
  const bodies = fc.oneof(
    fc
      .tuple(
        fc.record(
          {
            name: mostly("okta-prod", text(["a", "x".repeat(64), "x".repeat(65), "Okta", "", "a_b", 5])),
            method: mostly("api-token", fc.constantFrom("client-credentials", "other", undefined)),
            credentials: mostly({ instanceUrl: "https://acme.okta.com", apiToken: token }, credentials),
            description: mostly(null, text(["", "d".repeat(256), "d".repeat(257), 1, undefined])),
            projectId: mostly("p-1", text(["proj.a:b", "-bad", "x".repeat(129), "", 7])),
          },
          { requiredKeys: ["name", "method", "credentials"] },
        ),
        fc.option(
          fc.record(
            {
              proxy: fc.constantFrom({ allow: ["GET /api/v1/**"] }, {}),
              gatewayId: fc.constantFrom(null, "g"),
              isPlatformManagedCredentials: fc.constantFrom(false, true),
              extra: fc.string(),
            },
            { requiredKeys: [] },
          ),
          { nil: {}, freq: 2 },
        ),
      )
      .map(([common, rare]) => ({ ...common, ...rare })),
    fc.constantFrom(null, "text", 3, [], {}),
  );

  it("answers exactly as zod does, for bodies it reads and for anything else", async () => {
    let readPlainly = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (value) => {
        const quick = plainApiTokenCreate(value);
        const zod = await parseExplained(zodOnly, value, body);
        if (quick !== undefined) {
          readPlainly++;
          expect(zod).toStrictEqual({ success: true, data: quick });
        }
        expect(await parseExplained(createConnectionSchema, value, body)).toStrictEqual(zod);
      }),
      { numRuns: 3_000 },
    );
    expect(readPlainly).toBeGreaterThan(100); // the property was not vacuous
  });

  it("reads the usual body, normalizing its instanceUrl as zod does", () => {
    const usual = { name: "okta-prod", method: "api-token", projectId: "p-1", credentials: { instanceUrl: "https://ACME.okta.com:443/", apiToken: token } };
    expect(plainApiTokenCreate(usual)).toStrictEqual({ ...usual, credentials: { instanceUrl: "https://acme.okta.com", apiToken: token } });
    expect(plainApiTokenCreate({ ...usual, proxy: { allow: [] } })).toBeUndefined(); // proxy policies are zod's
  });
});
