import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_QUERIES_PER_PAGE, UNPAGED_LIMIT } from "../../functions/core/connections/paging";
import * as keys from "../../functions/core/storage/keys";
import { createBody, startHarness, type Harness } from "../support/harness";

/** Contract section 6: an answer never grows without bound, in items or in DynamoDB calls. */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const ORG = "org-bounds";
const BIG = "proj-big";
const BULK = UNPAGED_LIMIT + 40;

/** Copies of one real connection item under new ids and names, written straight into the table (fast). */
async function seed(projectId: string, count: number, prefix: string) {
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, `${prefix}-seed`, { projectId }) });
  expect(res.status, res.text).toBe(200);
  const template = (await h.scan()).find((item) => item.SK?.S === `CONN#${res.body.appConnection.id}`)!;
  const items = Array.from({ length: count - 1 }, (_, i) => {
    const id = randomUUID();
    const name = `${prefix}-${String(i).padStart(4, "0")}`;
    const index = keys.connectionIndexKey(ORG, projectId, name);
    return {
      ...template,
      ...{ PK: { S: keys.connectionKey(ORG, id).PK }, SK: { S: keys.connectionKey(ORG, id).SK } },
      ...{ GSI1PK: { S: index.GSI1PK }, GSI1SK: { S: index.GSI1SK }, id: { S: id }, name: { S: name } },
    };
  });
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await h.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [h.tableName]: batch } }));
  }
}

/** Follows `nextCursor` to the end; returns each page's item count, Query count and ids. */
async function walk(path: string, token: string) {
  const pages: { count: number; queries: number; ids: string[] }[] = [];
  let cursor: string | undefined;
  const sep = path.includes("?") ? "&" : "?";
  do {
    h.calls.reset();
    const res = await h.call("GET", `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
    expect(res.status, res.text).toBe(200);
    const ids = res.body.appConnections.map((c: { id: string }) => c.id);
    pages.push({ count: ids.length, queries: h.calls.counts["dynamodb:QueryCommand"] ?? 0, ids });
    expect(h.calls.total("dynamodb"), path).toBe(pages.at(-1)!.queries);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 200);
  return pages;
}

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: ORG, orgRole: "admin" });
  await seed(BIG, BULK, "bulk");
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, "bound-org-level") });
  expect(res.status).toBe(200);
}, 60_000);
afterAll(() => h.close());

describe("a list without limit stops at 1,000 and adds nextCursor", () => {
  it.each([
    ["a project's list", `${BASE}?projectId=${BIG}`, BULK],
    ["the org admin's list", BASE, BULK + 1],
    ["the all-apps list", `/api/v1/app-connections?projectId=${BIG}`, BULK],
    ["available", `${BASE}/available?projectId=${BIG}`, BULK + 1],
  ])("%s", async (_label, path, total) => {
    const pages = await walk(path, admin);
    expect(pages.map((p) => p.count)).toEqual([UNPAGED_LIMIT, total - UNPAGED_LIMIT]);
    const ids = pages.flatMap((p) => p.ids);
    expect(new Set(ids).size).toBe(total);
    for (const page of pages) expect(page.queries).toBeLessThanOrEqual(2);
  });
});

describe("a member with hundreds of projects", () => {
  it(`pays at most ${MAX_QUERIES_PER_PAGE} Queries per page and still sees everything once`, async () => {
    const projects = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p-${String(i).padStart(3, "0")}`, "viewer" as const]));
    const withConnections = ["p-000", "p-077", "p-149"];
    for (const projectId of withConnections) {
      const res = await h.call("POST", BASE, { token: admin, body: createBody(h, `in-${projectId}`, { projectId }) });
      expect(res.status).toBe(200);
    }
    const member = await h.token({ orgId: ORG, orgRole: "member", sub: "many-projects", projects: { ...projects, [BIG]: "viewer" } });
    const pages = await walk(BASE, member);
    for (const page of pages) expect(page.queries).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    // 152 scopes (org-level, 150 projects, BIG) at most 25 per page, each page at most 1,000 items.
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(152 / MAX_QUERIES_PER_PAGE));
    for (const page of pages) expect(page.count).toBeLessThanOrEqual(UNPAGED_LIMIT);
    const ids = pages.flatMap((p) => p.ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(BULK + 1 + withConnections.length);
    // With a limit the same bound holds.
    const limited = await walk(`${BASE}?limit=100`, member);
    for (const page of limited) expect(page.queries).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    expect(limited.flatMap((p) => p.ids).sort()).toEqual([...ids].sort());
  });
});
