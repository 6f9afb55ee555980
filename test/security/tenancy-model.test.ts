import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppConnection } from "../../functions/core/connections/model";
import { startHarness, type Harness } from "../support/harness";

/**
 * Issue 3, tenancy: a model-based test. Random command sequences (create, get, get by name, list,
 * available, update, rename, delete, validate) run against the real app and against a small model
 * of the contract: the role table of section 3, "another org is always 404, never 403", name
 * uniqueness per scope and version increments. Every step's status, error code and visible result
 * must match the model. Each run uses fresh org ids, so runs share one harness but no state.
 */
const SEED = 3_141_592;
const RUNS = 500;
const MAX_COMMANDS = 12;
const BASE = "/api/v1/app-connections/okta";

type Role = "admin" | "member" | "viewer";
type Scope = string | null;
type Action = "read" | "use" | "manage";
interface ActorDef {
  label: string;
  orgRole: "admin" | "member";
  projects: Record<string, Role>;
}

/** Per org: an admin, members with assorted project roles, and a member with none. */
const ACTORS: ActorDef[] = [
  { label: "admin", orgRole: "admin", projects: {} },
  { label: "p0-admin/p1-member/p2-viewer", orgRole: "member", projects: { p0: "admin", p1: "member", p2: "viewer" } },
  { label: "p0-viewer/p1-admin", orgRole: "member", projects: { p0: "viewer", p1: "admin" } },
  { label: "p2-member", orgRole: "member", projects: { p2: "member" } },
  { label: "no-role", orgRole: "member", projects: {} },
  { label: "admin+p0-viewer", orgRole: "admin", projects: { p0: "viewer" } },
];
const ORGS = 3;
const SCOPES: Scope[] = [null, "p0", "p1", "p2", "p3"]; // nobody holds a role on p3
const NAMES = ["alpha", "beta", "gamma"];

/** The contract's role table (section 3), written independently of functions/. */
function may(actor: ActorDef, action: Action, scope: Scope): boolean {
  if (actor.orgRole === "admin") return true;
  if (scope === null) return action !== "manage";
  const role = actor.projects[scope];
  if (!role) return false;
  if (action === "read") return true;
  if (action === "use") return role === "member" || role === "admin";
  return role === "admin";
}

/** The public view's shape; the model below still decides every value on its own. */
type Conn = AppConnection;

interface Model {
  live: Conn[];
  gone: string[];
}

interface Real {
  h: Harness;
  orgs: string[];
  tokens: string[][];
}

interface ActorRef {
  org: number;
  who: number;
  /** On id routes: act from the target's own org instead (when the target exists). */
  follow?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the commands

const NEVER = "00000000-0000-4000-8000-000000000000";
const actorOf = (ref: ActorRef) => ACTORS[ref.who]!;
const actorText = (ref: ActorRef) => `${ref.follow ? "target-org" : `o${ref.org}`}.${actorOf(ref).label}`;
/** The actor of an id route, resolved against the target. */
const resolveActor = (ref: ActorRef, real: Real, t: { conn?: Conn }): ActorRef =>
  ref.follow && t.conn ? { org: real.orgs.indexOf(t.conn.orgId), who: ref.who } : ref;

/** A target id: mostly a live connection of any org, else a deleted one or one that never existed. */
interface Pick {
  live: boolean;
  n: number;
}
function target(model: Model, pick: Pick): { id: string; conn?: Conn } {
  const ids = pick.live && model.live.length > 0 ? model.live.map((c) => c.id) : [...model.gone, NEVER];
  const id = ids[pick.n % ids.length]!;
  return { id, conn: model.live.find((c) => c.id === id) };
}
const pickText = (p: Pick) => `${p.live ? "live" : "dead"}#${p.n}`;

const nameTaken = (model: Model, orgId: string, scope: Scope, name: string, except?: string) =>
  model.live.some((c) => c.orgId === orgId && c.projectId === scope && c.name === name && c.id !== except);

async function call(real: Real, ref: ActorRef, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await real.h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${real.tokens[ref.org]![ref.who]}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const ERROR_OF: Record<number, string> = { 403: "PermissionDenied", 404: "NotFound", 409: "Conflict", 412: "PreconditionFailed" };

/** How often each command met each outcome, to show the sequences reach every rule. */
const outcomes = new Map<string, number>();
const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

function expectStatus(res: { status: number; body: any }, status: number, step: string) {
  tally(`${step.split("(")[0]} ${status}`);
  expect({ status: res.status, error: res.body?.error }, step).toEqual({ status, error: ERROR_OF[status] });
}

const sortById = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));

type IfMatch = "none" | "current" | "stale";
function ifMatchHeader(kind: IfMatch, version: number, spelling: number): Record<string, string> {
  if (kind === "none") return {};
  const v = kind === "current" ? version : version + 1;
  return { "if-match": [String(v), `"${v}"`, `W/"${v}"`][spelling % 3]! };
}

/** Status of an id route before its own rules: another org or a missing id is 404, then the role table. */
function gate(model: Model, real: Real, ref: ActorRef, t: { conn?: Conn }, action: Action): number | undefined {
  if (t.conn && t.conn.orgId !== real.orgs[ref.org]) {
    tally("another org's connection");
    return 404;
  }
  if (!t.conn) return 404;
  if (!may(actorOf(ref), action, t.conn.projectId)) return 403;
  return undefined;
}

/** Applies a successful update's answer to the model after checking what it must show. */
function acceptUpdate(conn: Conn, answer: Conn, changes: Partial<Conn>, step: string) {
  const expected = { ...conn, ...changes, version: conn.version + 1, updatedAt: answer.updatedAt };
  expect(answer, step).toEqual(expected);
  tally(`${step.split("(")[0]} 200`);
  expect(answer.updatedAt >= conn.updatedAt, step).toBe(true);
  Object.assign(conn, expected);
}

// ---------------------------------------------------------------------------------------------
// Commands

type Cmd = fc.AsyncCommand<Model, Real>;
const always = () => true;

class Create implements Cmd {
  constructor(readonly ref: ActorRef, readonly scope: Scope, readonly name: string, readonly description?: string) {}
  check = always;
  async run(model: Model, real: Real) {
    const orgId = real.orgs[this.ref.org]!;
    const body = {
      name: this.name,
      method: "api-token",
      ...(this.scope === null ? {} : { projectId: this.scope }),
      ...(this.description === undefined ? {} : { description: this.description }),
      credentials: { instanceUrl: real.h.okta.origin, apiToken: real.h.validOktaToken() },
    };
    const res = await call(real, this.ref, "POST", BASE, body);
    const step = this.toString();
    if (!may(actorOf(this.ref), "manage", this.scope)) return expectStatus(res, 403, step);
    if (nameTaken(model, orgId, this.scope, this.name)) return expectStatus(res, 409, step);
    expect(res.status, step).toBe(200);
    const conn = res.body.appConnection as Conn;
    expect(conn, step).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: this.name,
      description: this.description ?? null,
      projectId: this.scope,
      orgId,
      version: 1,
      createdAt: conn.createdAt,
      updatedAt: conn.createdAt,
      isPlatformManagedCredentials: false,
      credentialsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      app: "okta",
      method: "api-token",
      credentials: { instanceUrl: real.h.okta.origin },
      proxy: { allow: ["GET /api/v1/**"] },
      health: { status: "healthy", checkedAt: conn.createdAt, lastHealthyAt: conn.createdAt, consecutiveFailures: 0, error: null },
    });
    model.live.push(conn);
    tally("Create 200");
  }
  toString = () => `Create(${actorText(this.ref)}, ${this.scope ?? "org"}, ${this.name}${this.description === undefined ? "" : `, ${JSON.stringify(this.description)}`})`;
}

class Get implements Cmd {
  constructor(readonly ref: ActorRef, readonly pick: Pick) {}
  check = always;
  async run(model: Model, real: Real) {
    const t = target(model, this.pick);
    const ref = resolveActor(this.ref, real, t);
    const res = await call(real, ref, "GET", `${BASE}/${t.id}`);
    const step = `${this} as o${ref.org} -> ${t.id}`;
    const refused = gate(model, real, ref, t, "read");
    if (refused) return expectStatus(res, refused, step);
    expect(res.status, step).toBe(200);
    expect(res.body.appConnection, step).toEqual(t.conn);
    tally("Get 200");
  }
  toString = () => `Get(${actorText(this.ref)}, ${pickText(this.pick)})`;
}

class GetByName implements Cmd {
  constructor(readonly ref: ActorRef, readonly scope: Scope, readonly name: string) {}
  check = always;
  async run(model: Model, real: Real) {
    const orgId = real.orgs[this.ref.org]!;
    const query = this.scope === null ? "" : `?projectId=${this.scope}`;
    const res = await call(real, this.ref, "GET", `${BASE}/connection-name/${this.name}${query}`);
    const step = this.toString();
    if (!may(actorOf(this.ref), "read", this.scope)) return expectStatus(res, 403, step);
    const conn = model.live.find((c) => c.orgId === orgId && c.projectId === this.scope && c.name === this.name);
    if (!conn) return expectStatus(res, 404, step);
    expect(res.status, step).toBe(200);
    expect(res.body.appConnection, step).toEqual(conn);
    tally("GetByName 200");
  }
  toString = () => `GetByName(${actorText(this.ref)}, ${this.scope ?? "org"}, ${this.name})`;
}

class List implements Cmd {
  constructor(readonly ref: ActorRef, readonly scope: Scope | undefined, readonly allApps: boolean) {}
  check = always;
  async run(model: Model, real: Real) {
    const orgId = real.orgs[this.ref.org]!;
    const actor = actorOf(this.ref);
    const path = (this.allApps ? "/api/v1/app-connections" : BASE) + (this.scope ? `?projectId=${this.scope}` : "");
    const res = await call(real, this.ref, "GET", path);
    const step = this.toString();
    if (this.scope && !may(actor, "read", this.scope)) return expectStatus(res, 403, step);
    const visible = model.live.filter(
      (c) => c.orgId === orgId && (this.scope ? c.projectId === this.scope : actor.orgRole === "admin" || c.projectId === null || actor.projects[c.projectId] !== undefined),
    );
    expect(res.status, step).toBe(200);
    expect(sortById(res.body.appConnections), step).toEqual(sortById(visible));
  }
  toString = () => `List${this.allApps ? "AllApps" : ""}(${actorText(this.ref)}${this.scope ? `, ${this.scope}` : ""})`;
}

class Available implements Cmd {
  constructor(readonly ref: ActorRef, readonly scope: Scope | undefined) {}
  check = always;
  async run(model: Model, real: Real) {
    const orgId = real.orgs[this.ref.org]!;
    const res = await call(real, this.ref, "GET", `${BASE}/available${this.scope ? `?projectId=${this.scope}` : ""}`);
    const step = this.toString();
    if (this.scope && !may(actorOf(this.ref), "read", this.scope)) return expectStatus(res, 403, step);
    const visible = model.live
      .filter((c) => c.orgId === orgId && (c.projectId === null || c.projectId === this.scope))
      .map(({ app, id, name, projectId, orgId }) => ({ app, id, name, projectId, orgId }));
    expect(res.status, step).toBe(200);
    expect(sortById(res.body.appConnections), step).toEqual(sortById(visible));
  }
  toString = () => `Available(${actorText(this.ref)}${this.scope ? `, ${this.scope}` : ""})`;
}

class Describe implements Cmd {
  constructor(readonly ref: ActorRef, readonly pick: Pick, readonly description: string | null, readonly ifMatch: IfMatch, readonly spelling: number) {}
  check = always;
  async run(model: Model, real: Real) {
    const t = target(model, this.pick);
    const ref = resolveActor(this.ref, real, t);
    const headers = ifMatchHeader(this.ifMatch, t.conn?.version ?? 1, this.spelling);
    const res = await call(real, ref, "PATCH", `${BASE}/${t.id}`, { description: this.description }, headers);
    const step = `${this} as o${ref.org} -> ${t.id} ${JSON.stringify(headers)}`;
    const refused = gate(model, real, ref, t, "manage") ?? (this.ifMatch === "stale" ? 412 : undefined);
    if (refused) return expectStatus(res, refused, step);
    expect(res.status, step).toBe(200);
    acceptUpdate(t.conn!, res.body.appConnection, { description: this.description }, step);
  }
  toString = () => `Describe(${actorText(this.ref)}, ${pickText(this.pick)}, ${JSON.stringify(this.description)}, if-match ${this.ifMatch})`;
}

class Rename implements Cmd {
  constructor(readonly ref: ActorRef, readonly pick: Pick, readonly name: string, readonly ifMatch: IfMatch, readonly spelling: number) {}
  check = always;
  async run(model: Model, real: Real) {
    const t = target(model, this.pick);
    const ref = resolveActor(this.ref, real, t);
    const headers = ifMatchHeader(this.ifMatch, t.conn?.version ?? 1, this.spelling);
    const res = await call(real, ref, "PATCH", `${BASE}/${t.id}`, { name: this.name }, headers);
    const step = `${this} as o${ref.org} -> ${t.id} ${JSON.stringify(headers)}`;
    const refused =
      gate(model, real, ref, t, "manage") ??
      (this.ifMatch === "stale" ? 412 : undefined) ??
      (nameTaken(model, t.conn!.orgId, t.conn!.projectId, this.name, t.conn!.id) ? 409 : undefined);
    if (refused) return expectStatus(res, refused, step);
    expect(res.status, step).toBe(200);
    acceptUpdate(t.conn!, res.body.appConnection, { name: this.name }, step);
  }
  toString = () => `Rename(${actorText(this.ref)}, ${pickText(this.pick)}, ${this.name}, if-match ${this.ifMatch})`;
}

class Delete implements Cmd {
  constructor(readonly ref: ActorRef, readonly pick: Pick, readonly ifMatch: IfMatch, readonly spelling: number) {}
  check = always;
  async run(model: Model, real: Real) {
    const t = target(model, this.pick);
    const ref = resolveActor(this.ref, real, t);
    const headers = ifMatchHeader(this.ifMatch, t.conn?.version ?? 1, this.spelling);
    const res = await call(real, ref, "DELETE", `${BASE}/${t.id}`, undefined, headers);
    const step = `${this} as o${ref.org} -> ${t.id} ${JSON.stringify(headers)}`;
    const refused = gate(model, real, ref, t, "manage") ?? (this.ifMatch === "stale" ? 412 : undefined);
    if (refused) return expectStatus(res, refused, step);
    expect(res.status, step).toBe(200);
    expect(res.body.appConnection, step).toEqual(t.conn);
    model.live = model.live.filter((c) => c.id !== t.id);
    model.gone.push(t.id);
    tally("Delete 200");
  }
  toString = () => `Delete(${actorText(this.ref)}, ${pickText(this.pick)}, if-match ${this.ifMatch})`;
}

class Validate implements Cmd {
  constructor(readonly ref: ActorRef, readonly pick: Pick) {}
  check = always;
  async run(model: Model, real: Real) {
    const t = target(model, this.pick);
    const ref = resolveActor(this.ref, real, t);
    const res = await call(real, ref, "POST", `${BASE}/${t.id}/validate`);
    const step = `${this} as o${ref.org} -> ${t.id}`;
    const refused = gate(model, real, ref, t, "use");
    if (refused) return expectStatus(res, refused, step);
    expect(res.status, step).toBe(200);
    expect(res.body, step).toEqual({ valid: true, checkedAt: expect.any(String) });
    // Section 8: validate records the connection's health (and nothing else of it).
    const at = res.body.checkedAt as string;
    const health = { status: "healthy" as const, checkedAt: at, lastHealthyAt: at, consecutiveFailures: 0, error: null };
    model.live = model.live.map((c) => (c.id === t.id ? { ...c, health } : c));
    tally("Validate 200");
  }
  toString = () => `Validate(${actorText(this.ref)}, ${pickText(this.pick)})`;
}

// ---------------------------------------------------------------------------------------------
// Generators

const actor = fc.record({ org: fc.integer({ min: 0, max: ORGS - 1 }), who: fc.integer({ min: 0, max: ACTORS.length - 1 }) });
/** Id routes: half the time from the target's own org, else from a random one (often another org). */
const idActor = (base: fc.Arbitrary<ActorRef>) => fc.tuple(base, fc.boolean()).map(([a, follow]) => ({ ...a, follow }));
const scope = fc.constantFrom(...SCOPES);
const optionalScope = fc.constantFrom<Scope | undefined>(undefined, ...SCOPES.filter((s): s is string => s !== null));
const name = fc.constantFrom(...NAMES);
const pick = fc.record({ live: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), n: fc.nat({ max: 50 }) });
/** Writers are drawn mostly from those who may write somewhere, so writes get past the role check often. */
const writer = fc.oneof(
  { weight: 2, arbitrary: fc.record({ org: actor.map((a) => a.org), who: fc.constantFrom(0, 5) }) },
  { weight: 1, arbitrary: fc.record({ org: actor.map((a) => a.org), who: fc.constantFrom(1, 2) }) },
  { weight: 1, arbitrary: actor },
);
const ifMatch = fc.constantFrom<IfMatch>("none", "none", "current", "stale");
const spelling = fc.nat({ max: 2 });

/** Every run starts from a few connections, so the random commands have something to act on. */
const initial = fc.array(
  fc.tuple(fc.record({ org: actor.map((a) => a.org), who: fc.constantFrom(0, 5) }), fc.constantFrom<Scope>(null, null, "p0", "p1"), name).map(
    ([a, s, n]) => new Create(a, s, n),
  ),
  { minLength: 2, maxLength: 5 },
);

const commands = fc.commands(
  [
    fc.tuple(writer, scope, name, fc.option(fc.string({ maxLength: 12 }), { nil: undefined })).map(([a, s, n, d]) => new Create(a, s, n, d)),
    fc.tuple(writer, scope, name).map(([a, s, n]) => new Create(a, s, n)),
    fc.tuple(writer, scope, name).map(([a, s, n]) => new Create(a, s, n)),
    fc.tuple(idActor(actor), pick).map(([a, p]) => new Get(a, p)),
    fc.tuple(actor, scope, name).map(([a, s, n]) => new GetByName(a, s, n)),
    fc.tuple(actor, optionalScope, fc.boolean()).map(([a, s, all]) => new List(a, s, all)),
    fc.tuple(actor, optionalScope).map(([a, s]) => new Available(a, s)),
    fc.tuple(idActor(writer), pick, fc.option(fc.string({ maxLength: 12 }), { nil: null }), ifMatch, spelling).map(([a, p, d, i, sp]) => new Describe(a, p, d, i, sp)),
    fc.tuple(idActor(writer), pick, name, ifMatch, spelling).map(([a, p, n, i, sp]) => new Rename(a, p, n, i, sp)),
    fc.tuple(idActor(writer), pick, ifMatch, spelling).map(([a, p, i, sp]) => new Delete(a, p, i, sp)),
    fc.tuple(idActor(actor), pick).map(([a, p]) => new Validate(a, p)),
  ],
  { maxCommands: MAX_COMMANDS, size: "max" },
);

// ---------------------------------------------------------------------------------------------

let h: Harness;
let runs = 0;
let steps = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

async function freshWorld(): Promise<Real> {
  const run = ++runs;
  const orgs = Array.from({ length: ORGS }, (_, i) => `tm${run}-o${i}`);
  const tokens = await Promise.all(
    orgs.map((orgId) =>
      Promise.all(ACTORS.map((a, i) => h.token({ orgId, sub: `${orgId}-u${i}`, orgRole: a.orgRole, projects: a.projects }))),
    ),
  );
  return { h, orgs, tokens };
}

describe("tenancy model", () => {
  it(`matches the contract's model step by step over ${RUNS} runs`, async () => {
    await fc
      .assert(
        fc.asyncProperty(initial, commands, async (start, cmds) => {
          const model: Model = { live: [], gone: [] };
          const real = await freshWorld();
          await fc.asyncModelRun(() => ({ model, real }), start);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          steps += start.length + [...cmds].length;
          // Nothing else changed: each org's admin sees exactly the model's connections.
          for (let org = 0; org < ORGS; org++) {
            const res = await call(real, { org, who: 0 }, "GET", BASE);
            expect(sortById(res.body.appConnections), `final state of o${org}`).toEqual(sortById(model.live.filter((c) => c.orgId === real.orgs[org])));
          }
        }),
        { seed: SEED, numRuns: RUNS },
      )
      .catch((error: Error) => {
        throw new Error(`tenancy model diverged (seed ${SEED}): ${error.message}\nFirst divergence: ${(error.cause as Error | undefined)?.message}`);
      });
    console.info(`tenancy model: ${RUNS} runs, ${steps} commands; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    for (const key of [
      "Create 200", "Create 403", "Create 409", "Get 200", "Get 403", "Get 404", "GetByName 200", "GetByName 403", "GetByName 404",
      "List 403", "Available 403", "Describe 200", "Describe 403", "Describe 412", "Rename 200", "Rename 409", "Rename 412",
      "Delete 200", "Delete 403", "Validate 200", "Validate 403", "another org's connection",
    ]) {
      expect(outcomes.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  }, 170_000);
});
