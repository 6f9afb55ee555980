import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { actorFromClaims, parseClaims, plainClaims } from "../../functions/api/claims";
import { ID_PATTERN } from "../../functions/core/connections/schemas";

/** The claims schema itself: the answers the plain reading must not change. */
const schema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  org_id: z.string().check(z.regex(ID_PATTERN)),
  exp: z.number(),
  org_role: z._default(z.enum(["admin", "member"]), "member"),
  projects: z._default(z.record(z.string().check(z.regex(ID_PATTERN)), z.enum(["admin", "member", "viewer"])), {}),
});
const zodAnswer = (payload: unknown) => {
  const parsed = schema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
};

describe("the claims' plain reading", () => {
  const mostly = <T>(usual: T, other: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: other, weight: 1 });
  const id = fc.oneof(fc.constantFrom("org-1", "p.a:b", "x".repeat(128), "x".repeat(129), "-bad", "", "__proto__", "constructor"), fc.string({ maxLength: 10 }));
  const role = fc.constantFrom("admin", "member", "viewer", "owner", "", 1, null);
  const claims = fc.record(
    {
      sub: mostly("user-1", fc.oneof(fc.constantFrom("", "s".repeat(256), "s".repeat(257), 5, null), fc.string())),
      org_id: mostly("org-1", id),
      exp: mostly(1_900_000_000, fc.oneof(fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, "1900000000"), fc.double())),
      org_role: fc.constantFrom("admin", "member", "viewer", undefined, null, "ADMIN"),
      projects: fc.oneof(fc.dictionary(id, role, { maxKeys: 3 }), fc.dictionary(fc.constantFrom("p-1", "p-2"), fc.constantFrom("admin", "viewer"), { maxKeys: 2 }), fc.constantFrom(null, [], "x", Object.create(null))),
      iss: fc.string(),
    },
    { requiredKeys: ["sub", "org_id", "exp"] },
  );
  const payloads = fc.oneof({ arbitrary: claims, weight: 10 }, { arbitrary: fc.constantFrom(null, "text", 3, [], {}), weight: 1 });

  it("answers exactly as the schema does, for claims it reads and for anything else", () => {
    let readPlainly = 0;
    fc.assert(
      fc.property(payloads, (payload) => {
        const plain = plainClaims(payload);
        if (plain !== undefined) {
          readPlainly++;
          expect(zodAnswer(payload)).toStrictEqual(plain);
        }
        expect(parseClaims(payload)).toStrictEqual(zodAnswer(payload));
      }),
      { numRuns: 5_000 },
    );
    expect(readPlainly).toBeGreaterThan(200); // the property was not vacuous
  });

  it("reads the usual claims, with the defaults the schema gives", () => {
    expect(plainClaims({ sub: "u", org_id: "o", exp: 1, iss: "x" })).toStrictEqual({ sub: "u", org_id: "o", exp: 1, org_role: "member", projects: {} });
    const projects = { "p-1": "viewer" };
    const { actor } = actorFromClaims({ sub: "u", org_id: "o", exp: 1, org_role: "admin", projects });
    expect(actor).toEqual({ type: "user", id: "u", orgId: "o", orgRole: "admin", projects });
    expect(Object.isFrozen(projects)).toBe(false); // the actor's projects are a copy, frozen; the claims are left alone
  });
});
