import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";

/** Contract section 1, "Scope of lists", and list paging with opaque, tamper-evident cursors. */
let h: Harness;
let admin: string;
let member: string;
const BASE = "/api/v1/app-connections/okta";
const ALL = "/api/v1/app-connections";
const ORG = "org-lists";
const byName: Record<string, any> = {};
/** How far the cursor codec's clock runs ahead of real time. */
let clockAhead = 0;

const names = (list: any[]) => list.map((c) => c.name);
const sorted = (list: string[]) => [...list].sort();

async function create(name: string, projectId?: string) {
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, name, projectId ? { projectId } : {}) });
  expect(res.status, name).toBe(200);
  byName[name] = res.body.appConnection;
  return res.body.appConnection;
}

/** Follows `nextCursor` from the first page to the last; returns every page's body. */
async function allPages(path: string, token: string, limit: number) {
  const pages: any[] = [];
  let cursor: string | undefined;
  const sep = path.includes("?") ? "&" : "?";
  for (let guard = 0; guard < 100; guard++) {
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await h.call("GET", url, { token });
    expect(res.status, url).toBe(200);
    pages.push(res.body);
    cursor = res.body.nextCursor;
    if (cursor === undefined) return pages;
    expect(typeof cursor).toBe("string");
  }
  throw new Error("paging did not end");
}

const PAGE_PROJECT = "proj-page";
const PAGE_NAMES = Array.from({ length: 25 }, (_, i) => `lst-page-${String(i).padStart(2, "0")}`);

beforeAll(async () => {
  h = await startHarness({ cursorClock: () => Date.now() + clockAhead });
  admin = await h.token({ orgId: ORG, orgRole: "admin", sub: "lists-admin" });
  member = await h.token({ orgId: ORG, orgRole: "member", sub: "lists-member", projects: { "proj-one": "viewer", "proj-two": "member" } });
  await create("lst-org-a");
  await create("lst-org-b");
  await create("lst-one-a", "proj-one");
  await create("lst-one-b", "proj-one");
  await create("lst-two-a", "proj-two");
  await create("lst-three-a", "proj-three");
  for (const name of PAGE_NAMES) await create(name, PAGE_PROJECT);
  // Another org with the same project ids must never show up.
  const other = await h.token({ orgId: "org-lists-other", orgRole: "admin" });
  expect((await h.call("POST", BASE, { token: other, body: createBody(h, "lst-foreign", { projectId: "proj-one" }) })).status).toBe(200);
  expect((await h.call("POST", BASE, { token: other, body: createBody(h, "lst-foreign-org") })).status).toBe(200);
});
afterAll(() => h.close());

describe("scope of lists", () => {
  it("with projectId: only that project's connections", async () => {
    for (const token of [admin, member]) {
      const res = await h.call("GET", `${BASE}?projectId=proj-one`, { token });
      expect(res.status).toBe(200);
      expect(sorted(names(res.body.appConnections))).toEqual(["lst-one-a", "lst-one-b"]);
      expect(res.body.appConnections).toEqual(expect.arrayContaining([byName["lst-one-a"], byName["lst-one-b"]]));
      expect(Object.keys(res.body)).toEqual(["appConnections"]);
    }
    const page = await h.call("GET", `${BASE}?projectId=${PAGE_PROJECT}`, { token: admin });
    expect(sorted(names(page.body.appConnections))).toEqual(PAGE_NAMES);
    const empty = await h.call("GET", `${BASE}?projectId=proj-nothing`, { token: admin });
    expect(empty.body).toEqual({ appConnections: [] });
  });

  it("without projectId: an org admin reads org-level plus every project", async () => {
    const res = await h.call("GET", BASE, { token: admin });
    expect(res.status).toBe(200);
    expect(sorted(names(res.body.appConnections))).toEqual(
      sorted(["lst-org-a", "lst-org-b", "lst-one-a", "lst-one-b", "lst-two-a", "lst-three-a", ...PAGE_NAMES]),
    );
    for (const conn of res.body.appConnections) expect(conn).toEqual(byName[conn.name]);
  });

  it("without projectId: a member reads org-level plus the projects they have a role in", async () => {
    const res = await h.call("GET", BASE, { token: member });
    expect(res.status).toBe(200);
    expect(sorted(names(res.body.appConnections))).toEqual(sorted(["lst-org-a", "lst-org-b", "lst-one-a", "lst-one-b", "lst-two-a"]));
    const nobody = await h.token({ orgId: ORG, orgRole: "member", sub: "lists-nobody" });
    const orgOnly = await h.call("GET", BASE, { token: nobody });
    expect(sorted(names(orgOnly.body.appConnections))).toEqual(["lst-org-a", "lst-org-b"]);
  });

  it("a member naming a project they have no role in gets 403; an empty projectId is a 422", async () => {
    const denied = await h.call("GET", `${BASE}?projectId=proj-three`, { token: member });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("PermissionDenied");
    for (const path of [`${BASE}?projectId=`, `${BASE}/available?projectId=`, `${ALL}?projectId=`]) {
      const res = await h.call("GET", path, { token: admin });
      expect(res.status, path).toBe(422);
      expect(res.body.error).toBe("ValidationFailure");
    }
  });

  it("available?projectId=X gives org-level plus X as { app, id, name, projectId, orgId } exactly", async () => {
    for (const token of [admin, member]) {
      const res = await h.call("GET", `${BASE}/available?projectId=proj-one`, { token });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(["appConnections"]);
      const expected = ["lst-org-a", "lst-org-b", "lst-one-a", "lst-one-b"].map((name) => {
        const c = byName[name];
        return { app: "okta", id: c.id, name: c.name, projectId: c.projectId, orgId: ORG };
      });
      expect(res.body.appConnections).toHaveLength(expected.length);
      expect(res.body.appConnections).toEqual(expect.arrayContaining(expected));
      for (const item of res.body.appConnections) expect(sorted(Object.keys(item))).toEqual(["app", "id", "name", "orgId", "projectId"]);
    }
    const denied = await h.call("GET", `${BASE}/available?projectId=proj-three`, { token: member });
    expect(denied.status).toBe(403);
  });

  it("the all-apps route equals the Okta list, in every scope and for every caller", async () => {
    for (const token of [admin, member]) {
      for (const query of ["", "?projectId=proj-one", "?projectId=proj-two", "?limit=4"]) {
        const okta = await h.call("GET", `${BASE}${query}`, { token });
        const all = await h.call("GET", `${ALL}${query}`, { token });
        const slash = await h.call("GET", `${ALL}/${query}`, { token });
        expect(all.status).toBe(200);
        if (query === "?limit=4") {
          expect(all.body.appConnections).toEqual(okta.body.appConnections);
          expect(typeof all.body.nextCursor).toBe("string");
        } else {
          expect(all.body).toEqual(okta.body);
          expect(slash.body).toEqual(okta.body);
        }
      }
    }
  });
});

describe("paging", () => {
  it("limit=10 over 25 gives 10, 10, 5 with nextCursor on the first two and absent on the last", async () => {
    const pages = await allPages(`${BASE}?projectId=${PAGE_PROJECT}`, admin, 10);
    expect(pages.map((p) => p.appConnections.length)).toEqual([10, 10, 5]);
    expect(typeof pages[0].nextCursor).toBe("string");
    expect(typeof pages[1].nextCursor).toBe("string");
    expect("nextCursor" in pages[2]).toBe(false);
    expect(Object.keys(pages[2])).toEqual(["appConnections"]);
    const union = pages.flatMap((p) => p.appConnections);
    const unpaged = (await h.call("GET", `${BASE}?projectId=${PAGE_PROJECT}`, { token: admin })).body.appConnections;
    expect(new Set(union.map((c: any) => c.id)).size).toBe(union.length);
    expect(union).toEqual(unpaged);
  });

  it("a limit equal to the size gives one page without a cursor; limit=1 walks one by one", async () => {
    const exact = await h.call("GET", `${BASE}?projectId=${PAGE_PROJECT}&limit=25`, { token: admin });
    expect(exact.body.appConnections).toHaveLength(25);
    expect("nextCursor" in exact.body).toBe(false);
    const pages = await allPages(`${BASE}?projectId=proj-one`, admin, 1);
    expect(pages.map((p) => p.appConnections.length)).toEqual([1, 1]);
    expect("nextCursor" in pages[1]).toBe(false);
  });

  it("an org admin's paged list visits every connection exactly once", async () => {
    const unpaged = (await h.call("GET", BASE, { token: admin })).body.appConnections;
    for (const limit of [1, 4, 7, 100]) {
      const union = (await allPages(BASE, admin, limit)).flatMap((p) => p.appConnections);
      expect(union.map((c: any) => c.id), `limit ${limit}`).toEqual(unpaged.map((c: any) => c.id));
    }
  });

  it("a member's paged list across scopes (org-level and two projects) visits everything exactly once", async () => {
    const wide = await h.token({
      orgId: ORG,
      orgRole: "member",
      sub: "lists-wide",
      projects: { "proj-one": "viewer", [PAGE_PROJECT]: "member", "proj-two": "admin" },
    });
    const unpaged = (await h.call("GET", BASE, { token: wide })).body.appConnections;
    expect(sorted(names(unpaged))).toEqual(sorted(["lst-org-a", "lst-org-b", "lst-one-a", "lst-one-b", "lst-two-a", ...PAGE_NAMES]));
    for (const limit of [1, 2, 3, 5, 10, 30]) {
      const pages = await allPages(BASE, wide, limit);
      const union = pages.flatMap((p) => p.appConnections);
      expect(new Set(union.map((c: any) => c.id)).size, `limit ${limit}`).toBe(union.length);
      expect(sorted(union.map((c: any) => c.id)), `limit ${limit}`).toEqual(sorted(unpaged.map((c: any) => c.id)));
      for (const page of pages.slice(0, -1)) expect(page.appConnections.length).toBe(limit);
      expect("nextCursor" in pages.at(-1)).toBe(false);
    }
  });

  it("available pages too, and its pages add up to the unpaged answer", async () => {
    const unpaged = (await h.call("GET", `${BASE}/available?projectId=${PAGE_PROJECT}`, { token: admin })).body.appConnections;
    expect(unpaged).toHaveLength(27);
    const union = (await allPages(`${BASE}/available?projectId=${PAGE_PROJECT}`, admin, 6)).flatMap((p) => p.appConnections);
    expect(union).toEqual(unpaged);
  });

  it("limit must be 1-100", async () => {
    for (const limit of ["0", "101", "-1", "abc", "1.5", ""]) {
      const res = await h.call("GET", `${BASE}?limit=${limit}`, { token: admin });
      expect(res.status, `limit=${limit}`).toBe(422);
      expect(res.body.error).toBe("ValidationFailure");
    }
  });
});

describe("cursors", () => {
  const firstCursor = async (path: string, token: string) => {
    const res = await h.call("GET", path, { token });
    expect(res.status).toBe(200);
    expect(typeof res.body.nextCursor).toBe("string");
    return res.body.nextCursor as string;
  };
  const expect422 = async (path: string, token: string, cursor: string, label: string) => {
    const res = await h.call("GET", `${path}${path.includes("?") ? "&" : "?"}limit=10&cursor=${encodeURIComponent(cursor)}`, { token });
    expect(res.status, `${label}: ${cursor}`).toBe(422);
    expect(res.body.error, label).toBe("ValidationFailure");
  };
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const flip = (s: string, i: number) => {
    const c = s[i]!;
    const j = ALPHABET.indexOf(c);
    const replacement = j < 0 ? "A" : ALPHABET[(j + 1) % ALPHABET.length]!;
    return s.slice(0, i) + replacement + s.slice(i + 1);
  };

  it("a cursor with any single character changed, cut, extended or re-cased is a 422", async () => {
    const path = `${BASE}?projectId=${PAGE_PROJECT}`;
    const cursor = await firstCursor(`${path}&limit=10`, admin);
    // The genuine cursor works.
    expect((await h.call("GET", `${path}&limit=10&cursor=${encodeURIComponent(cursor)}`, { token: admin })).status).toBe(200);
    for (let i = 0; i < cursor.length; i++) await expect422(path, admin, flip(cursor, i), `char ${i} flipped`);
    const half = Math.floor(cursor.length / 2);
    for (const forged of [cursor.slice(0, -1), `${cursor}A`, cursor.slice(half) + cursor.slice(0, half), `${cursor}.${cursor}`, cursor.toUpperCase()]) {
      await expect422(path, admin, forged, "reshaped");
    }
  });

  it("a cursor is opaque: no key, id or name can be read from it", async () => {
    const pages = await allPages(`${BASE}?projectId=${PAGE_PROJECT}`, admin, 3);
    const cursors: string[] = pages.map((p) => p.nextCursor).filter(Boolean);
    expect(cursors.length).toBeGreaterThan(3);
    const lastOfFirstPage = pages[0].appConnections.at(-1);
    for (const cursor of cursors) {
      const decoded = Buffer.from(cursor, "base64url").toString("latin1");
      for (const text of [cursor, decoded]) {
        for (const secretive of ["ORG#", "CONN#", "SCOPE#", ORG, PAGE_PROJECT, "lst-page", lastOfFirstPage.id, '"s":']) {
          expect(text, cursor).not.toContain(secretive);
        }
      }
      expect(() => JSON.parse(decoded)).toThrow();
      expect(() => JSON.parse(Buffer.from(cursor, "base64").toString("utf8"))).toThrow();
    }
    // Two cursors for the same place differ (a fresh IV each time), so not even equality leaks.
    const again = await firstCursor(`${BASE}?projectId=${PAGE_PROJECT}&limit=3`, admin);
    expect(again).not.toBe(cursors[0]);
  });

  it("a cursor from a different query is a 422", async () => {
    const cursor = await firstCursor(`${BASE}?projectId=${PAGE_PROJECT}&limit=10`, admin);
    await expect422(`${BASE}?projectId=proj-one`, admin, cursor, "other projectId");
    await expect422(BASE, admin, cursor, "no projectId");
    await expect422(`${BASE}/available?projectId=${PAGE_PROJECT}`, admin, cursor, "available instead of list");
    await expect422(`/api/v1/audit-logs?projectId=${PAGE_PROJECT}`, admin, cursor, "audit log instead of list");
    const availableCursor = await firstCursor(`${BASE}/available?projectId=${PAGE_PROJECT}&limit=10`, admin);
    await expect422(`${BASE}?projectId=${PAGE_PROJECT}`, admin, availableCursor, "list with an available cursor");
    await expect422(`${BASE}/available?projectId=proj-one`, admin, availableCursor, "available of another project");
  });

  it("a cursor from another user of the same org is a 422", async () => {
    const twin = await h.token({ orgId: ORG, orgRole: "admin", sub: "lists-admin-twin" });
    const cursor = await firstCursor(`${BASE}?projectId=${PAGE_PROJECT}&limit=10`, admin);
    await expect422(`${BASE}?projectId=${PAGE_PROJECT}`, twin, cursor, "other user, same query");
    const memberCursor = await firstCursor(`${BASE}?limit=2`, member);
    await expect422(BASE, admin, memberCursor, "member's cursor used by the admin");
  });

  it("a cursor from another org is a 422", async () => {
    const otherAdmin = await h.token({ orgId: "org-lists-other", orgRole: "admin", sub: "lists-admin" });
    const cursor = await firstCursor(`${BASE}?projectId=${PAGE_PROJECT}&limit=10`, admin);
    await expect422(`${BASE}?projectId=${PAGE_PROJECT}`, otherAdmin, cursor, "same sub, same query, other org");
    const orgWide = await firstCursor(`${BASE}?limit=3`, admin);
    await expect422(BASE, otherAdmin, orgWide, "org-wide list of another org");
  });

  it("a cursor expires after 24 hours: a 422 that says it expired", async () => {
    const path = `${BASE}?projectId=${PAGE_PROJECT}`;
    const cursor = await firstCursor(`${path}&limit=10`, admin);
    const next = (c: string) => h.call("GET", `${path}&limit=10&cursor=${encodeURIComponent(c)}`, { token: admin });
    try {
      clockAhead = 24 * 3600_000 - 60_000;
      expect((await next(cursor)).status, "a minute before expiry").toBe(200);
      clockAhead = 24 * 3600_000 + 1;
      const expired = await next(cursor);
      expect(expired.status).toBe(422);
      expect(expired.body.error).toBe("ValidationFailure");
      expect(expired.body.message).toMatch(/expired/);
      // A forged cursor says "invalid", never "expired": the two are told apart.
      const forged = await next(flip(cursor, 10));
      expect(forged.status).toBe(422);
      expect(forged.body.message).toMatch(/invalid/);
      expect(forged.body.message).not.toMatch(/expired/);
    } finally {
      clockAhead = 0;
    }
  });

  it("garbage cursors are a 422", async () => {
    const json = Buffer.from(JSON.stringify({ s: 0 })).toString("base64url");
    const shaped = Buffer.concat([Buffer.of(1), Buffer.alloc(60)]).toString("base64url");
    for (const garbage of ["garbage", "a.b", ".", "..", "%%%", "eyJ9", json, `${json}.AAAAAAAAAAAAAAAAAAAAAA`, shaped, "x".repeat(2048), "🙂.🙂"]) {
      await expect422(BASE, admin, garbage, "garbage");
    }
    const tooLong = await h.call("GET", `${BASE}?limit=10&cursor=${"x".repeat(3000)}`, { token: admin });
    expect(tooLong.status).toBe(422);
    const empty = await h.call("GET", `${BASE}?limit=10&cursor=`, { token: admin });
    expect(empty.status).toBe(422);
  });
});
