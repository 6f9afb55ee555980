import { describe, expect, it } from "vitest";
import * as keys from "../../../functions/core/storage/keys";
import { tableDefinition } from "../../../functions/core/storage/table";

describe("key design", () => {
  it("keys a connection by org and id, and indexes it by org, scope and name", () => {
    expect(keys.connectionKey("o1", "c1")).toEqual({ PK: "ORG#o1", SK: "CONN#c1" });
    expect(keys.connectionIndexKey("o1", "p1", "n")).toEqual({ GSI1PK: "ORG#o1", GSI1SK: "SCOPE#p1#NAME#n" });
    expect(keys.connectionIndexKey("o1", null, "n")).toEqual({ GSI1PK: "ORG#o1", GSI1SK: "SCOPE#!#NAME#n" });
  });

  it("scope prefixes select exactly one scope, or the whole org", () => {
    const sk = (projectId: string | null, name: string) => keys.connectionIndexKey("o", projectId, name).GSI1SK;
    const inScope = (scope: string | null | "*", key: string) => key.startsWith(keys.scopeQuery("o", scope).GSI1SKPrefix);
    expect(inScope("p1", sk("p1", "a"))).toBe(true);
    expect(inScope("p1", sk("p10", "a"))).toBe(false);
    expect(inScope("p1", sk(null, "a"))).toBe(false);
    expect(inScope(null, sk(null, "a"))).toBe(true);
    expect(inScope(null, sk("p1", "a"))).toBe(false);
    expect(inScope("*", sk("p1", "a")) && inScope("*", sk(null, "a"))).toBe(true);
  });

  it("name locks are per scope; audit keys sort by time", () => {
    expect(keys.nameLockKey("o", "p", "n")).not.toEqual(keys.nameLockKey("o", null, "n"));
    expect(keys.nameLockKey("o", "p", "n")).not.toEqual(keys.nameLockKey("o2", "p", "n"));
    const a = keys.auditKey("o", "p", "2026-01-01T00:00:00.000Z", "z").SK;
    const b = keys.auditKey("o", "p", "2026-01-02T00:00:00.000Z", "a").SK;
    expect(a < b).toBe(true);
    expect(keys.auditKey("o", null, "t", "e").PK).toBe(keys.auditPartition("o", null));
  });

  it("the table definition is derived from TABLE_SCHEMA", () => {
    const def = tableDefinition("t");
    expect(def.KeySchema).toEqual([
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ]);
    expect(def.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(keys.TABLE_SCHEMA.indexes.map((i) => i.name));
    expect(def.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(["GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "PK", "SK"]);
    expect(def.GlobalSecondaryIndexes?.find((i) => i.IndexName === keys.GSI2)?.Projection).toEqual({ ProjectionType: "KEYS_ONLY" });
  });

  it("the due index sorts by next-check time, spreads connections over its partitions, and names its connection", () => {
    const a = keys.healthDueKey("o", "c1", "2026-01-01T00:00:00.000Z");
    expect(a.GSI2SK).toBe("2026-01-01T00:00:00.000Z#o#c1");
    expect(keys.parseHealthDueKey(a.GSI2SK)).toEqual({ nextCheckAt: "2026-01-01T00:00:00.000Z", orgId: "o", connectionId: "c1" });
    expect(a.GSI2SK < keys.healthDueBefore("2026-01-01T00:00:00.000Z")).toBe(true);
    expect(keys.healthDueKey("o", "c1", "2026-01-01T00:00:00.001Z").GSI2SK < keys.healthDueBefore("2026-01-01T00:00:00.000Z")).toBe(false);
    const shards = new Set(Array.from({ length: 200 }, (_, i) => keys.healthDueKey("o", crypto.randomUUID(), "t").GSI2PK));
    expect(shards.size).toBe(keys.HEALTH_DUE_SHARDS);
    expect(keys.parseHealthDueKey("garbage")).toBeNull();
  });
});
