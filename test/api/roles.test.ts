import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, startHarness, type Harness, type Reply } from "../support/harness";

/**
 * Contract section 3, the role table, through the real HTTP server: every actor against every
 * action on a connection of project P and on an org-level connection. A refusal is a 403
 * `PermissionDenied` that changed nothing (table bytes and Okta requests alike).
 */

const BASE = "/api/v1/app-connections/okta";
const ORG = "org-a";
const P = "proj-p";
const Q = "proj-q";

type Scope = "project" | "org";
type Action = "get-by-id" | "get-by-name" | "list" | "available" | "validate" | "create" | "patch" | "delete";
const READ: Action[] = ["get-by-id", "get-by-name", "list", "available"];
const USE: Action[] = ["validate"];
const MANAGE: Action[] = ["create", "patch", "delete"];

interface ActorSpec {
  orgRole?: "admin" | "member";
  projects?: Record<string, "admin" | "member" | "viewer">;
}

/**
 * The contract's table. Letters say what the actor may do: r = read/list/available, u = validate,
 * m = create/edit/delete.
 */
const ROLE_TABLE: [actor: string, spec: ActorSpec, onProjectP: string, onOrgLevel: string][] = [
  ["org admin", { orgRole: "admin" }, "rum", "rum"],
  ["project admin of P", { projects: { [P]: "admin" } }, "rum", "ru"],
  ["project member of P", { projects: { [P]: "member" } }, "ru", "ru"],
  ["project viewer of P", { projects: { [P]: "viewer" } }, "r", "ru"],
  ["org member, no role on P", {}, "", "ru"],
  ["org member, admin of Q only", { projects: { [Q]: "admin" } }, "", "ru"],
];

const letterOf = (action: Action) => (READ.includes(action) ? "r" : USE.includes(action) ? "u" : "m");
const ACTIONS: Action[] = [...READ, ...USE, ...MANAGE];

let h: Harness;
let admin: string;
let nameSeq = 0;
const fresh = () => `role-${++nameSeq}`;
const tokenOf = (spec: ActorSpec) => h.token({ orgId: ORG, sub: "actor", orgRole: spec.orgRole ?? "member", projects: spec.projects ?? {} });

/** Shared connections for read/use; manage actions get a fresh one each. */
const shared: Record<Scope, { id: string; name: string }> = {} as never;

const projectOf = (scope: Scope) => (scope === "project" ? P : null);
const createAsAdmin = async (scope: Scope) => {
  const extra = scope === "project" ? { projectId: P } : {};
  const res = await h.call("POST", BASE, { token: admin, body: createBody(h, fresh(), extra) });
  expect(res.status, res.text).toBe(200);
  return res.body.appConnection as { id: string; name: string };
};

type Target = { id: string; name: string };

/** The connection an action works on: a fresh one for patch/delete, the shared one otherwise. */
const prepare = async (action: Action, scope: Scope): Promise<Target> =>
  action === "patch" || action === "delete" ? createAsAdmin(scope) : shared[scope];

/** Sends `action` on `target` (of `scope`); `check` asserts what an allowed call must have done. */
async function send(action: Action, scope: Scope, target: Target, token: string): Promise<{ res: Reply; check: (res: Reply) => unknown }> {
  const projectQuery = scope === "project" ? `?projectId=${P}` : "";
  const contains = (res: Reply) => expect(res.body.appConnections.map((c: { id: string }) => c.id)).toContain(target.id);
  const isTarget = (res: Reply) => expect(res.body.appConnection).toMatchObject({ id: target.id, projectId: projectOf(scope) });
  switch (action) {
    case "get-by-id":
      return { res: await h.call("GET", `${BASE}/${target.id}`, { token }), check: isTarget };
    case "get-by-name":
      return { res: await h.call("GET", `${BASE}/connection-name/${target.name}${projectQuery}`, { token }), check: isTarget };
    case "list":
      return { res: await h.call("GET", `${BASE}${projectQuery}`, { token }), check: contains };
    case "available":
      return { res: await h.call("GET", `${BASE}/available${projectQuery}`, { token }), check: contains };
    case "validate":
      return { res: await h.call("POST", `${BASE}/${target.id}/validate`, { token }), check: (res) => expect(res.body.valid).toBe(true) };
    case "create": {
      const name = fresh();
      const res = await h.call("POST", BASE, { token, body: createBody(h, name, scope === "project" ? { projectId: P } : {}) });
      return { res, check: (r) => expect(r.body.appConnection).toMatchObject({ name, projectId: projectOf(scope) }) };
    }
    case "patch":
      return {
        res: await h.call("PATCH", `${BASE}/${target.id}`, { token, body: { description: "patched" } }),
        check: (r) => expect(r.body.appConnection).toMatchObject({ id: target.id, description: "patched", version: 2 }),
      };
    case "delete":
      return {
        res: await h.call("DELETE", `${BASE}/${target.id}`, { token }),
        check: async (r) => {
          expect(r.body.appConnection.id).toBe(target.id);
          expect((await h.call("GET", `${BASE}/${target.id}`, { token: admin })).status).toBe(404);
        },
      };
  }
}

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: ORG, orgRole: "admin" });
  shared.project = await createAsAdmin("project");
  shared.org = await createAsAdmin("org");
});
afterAll(() => h.close());

/** One row per actor, scope and action. */
const cases = ROLE_TABLE.flatMap(([actor, spec, onP, onOrg]) =>
  (["project", "org"] as Scope[]).flatMap((scope) =>
    ACTIONS.map((action) => {
      const allowed = (scope === "project" ? onP : onOrg).includes(letterOf(action));
      return { actor, spec, scope, action, allowed, verdict: allowed ? "allowed" : "403" };
    }),
  ),
);

describe("role table (contract section 3)", () => {
  it.each(cases)("$actor: $action on a $scope connection is $verdict", async ({ spec, scope, action, allowed }) => {
    const token = await tokenOf(spec);
    const target = await prepare(action, scope);
    const untouched = await h.untouched();
    const { res, check } = await send(action, scope, target, token);
    if (allowed) {
      expect(res.status, res.text).toBe(200);
      await check(res);
      return;
    }
    expect(res.status, res.text).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: "PermissionDenied" });
    await untouched.check();
  });

  it("another org's admin gets 404, not 403, for both connections", async () => {
    const outsider = await h.token({ orgId: "org-b", orgRole: "admin", projects: { [P]: "admin" } });
    for (const { id } of [shared.project, shared.org]) {
      for (const [method, path] of [["GET", `${BASE}/${id}`], ["PATCH", `${BASE}/${id}`], ["DELETE", `${BASE}/${id}`], ["POST", `${BASE}/${id}/validate`]] as const) {
        const res = await h.call(method, path, { token: outsider, body: method === "PATCH" ? { description: "x" } : undefined });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
  });
});

describe("lists without projectId", () => {
  const R = "proj-r";
  const ids: Record<"org" | "p" | "q" | "r", string> = {} as never;

  beforeAll(async () => {
    const make = async (projectId?: string) =>
      (await h.call("POST", BASE, { token: admin, body: createBody(h, fresh(), projectId ? { projectId } : {}) })).body.appConnection.id as string;
    ids.org = await make();
    ids.p = await make(P);
    ids.q = await make(Q);
    ids.r = await make(R);
  });

  const listCases: [string, ActorSpec, (string | null)[] | "all"][] = [
    ["org admin", { orgRole: "admin" }, "all"],
    ["viewer of P", { projects: { [P]: "viewer" } }, [null, P]],
    ["member of P and admin of R", { projects: { [P]: "member", [R]: "admin" } }, [null, P, R]],
    ["admin of Q only", { projects: { [Q]: "admin" } }, [null, Q]],
    ["member without project roles", {}, [null]],
  ];

  it.each(listCases)("%s sees org-level plus readable projects only", async (_name, spec, readable) => {
    const token = await tokenOf(spec);
    for (const path of [BASE, "/api/v1/app-connections"]) {
      const res = await h.call("GET", path, { token });
      expect(res.status, res.text).toBe(200);
      const seen: { id: string; projectId: string | null }[] = res.body.appConnections;
      const expected = Object.entries({ org: null, p: P, q: Q, r: R } as const)
        .filter(([, projectId]) => readable === "all" || readable.includes(projectId))
        .map(([key]) => ids[key as keyof typeof ids]);
      const mine = seen.map((c) => c.id).filter((id) => Object.values(ids).includes(id));
      expect(mine.sort()).toEqual(expected.sort());
      if (readable !== "all") for (const c of seen) expect(readable).toContain(c.projectId);
    }
  });
});

describe("audit log", () => {
  const auditCases: [string, ActorSpec, withProject: boolean, orgLevel: boolean][] = [
    ["org admin", { orgRole: "admin" }, true, true],
    ["project admin of P", { projects: { [P]: "admin" } }, true, false],
    ["project member of P", { projects: { [P]: "member" } }, false, false],
    ["project viewer of P", { projects: { [P]: "viewer" } }, false, false],
    ["org member, no role on P", {}, false, false],
    ["org member, admin of Q only", { projects: { [Q]: "admin" } }, false, false],
  ];

  it.each(auditCases)("%s: ?projectId=P allowed=%s, org-level allowed=%s", async (_name, spec, withProject, orgLevel) => {
    const token = await tokenOf(spec);
    for (const [path, allowed] of [[`/api/v1/audit-logs?projectId=${P}`, withProject], ["/api/v1/audit-logs", orgLevel]] as const) {
      const untouched = await h.untouched();
      const res = await h.call("GET", path, { token });
      if (allowed) {
        expect(res.status, res.text).toBe(200);
        expect(res.body.auditLogs.length).toBeGreaterThan(0);
        const want = path.includes("projectId") ? P : null;
        for (const event of res.body.auditLogs) expect(event.projectId).toBe(want);
      } else {
        expect(res.status, res.text).toBe(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: "PermissionDenied" });
      }
      await untouched.tableUnchanged();
    }
  });
});
