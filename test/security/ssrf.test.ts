import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { ResolvedAddress } from "../../functions/core/okta/url-guard";
import { createBody, startHarness, type Harness } from "../support/harness";
import { installTripwire, type Tripwire } from "./net-tripwire";
import { materialize, SSRF_CORPUS_SIZE, SSRF_DNS, type SsrfCase } from "./ssrf-corpus";

/**
 * Issue 3, SSRF: every hostile instanceUrl of the corpus, sent through the real API as a create and
 * as a credentials PATCH, gets the contract's refusal, stores nothing, and makes no connection to
 * anything but the app's own infrastructure. A loopback sentinel and the fake Okta count what
 * reaches them; a tripwire under `net.Socket` records (and stops) every other outgoing connection.
 */
const BASE = "/api/v1/app-connections/okta";
const PUBLIC = "93.184.216.34";

let h: Harness;
let admin: string;
let existing: any;
let tripwire: Tripwire;
let infraPorts: number[];
const sentinel = { server: http.createServer(), port: 0, connections: 0, requests: 0 };
const lookups: string[] = [];
/** Names answered with a public address on the first lookup and loopback on every later one. */
const rebinding = new Map<string, number>();

const portOf = (url: string) => Number(new URL(url).port);
const v = (address: string): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 });

async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  lookups.push(hostname);
  if (rebinding.has(hostname)) {
    const seen = rebinding.get(hostname)!;
    rebinding.set(hostname, seen + 1);
    return [v(seen === 0 ? PUBLIC : "127.0.0.1")];
  }
  const answer = SSRF_DNS[hostname];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return answer.map(v);
}

beforeAll(async () => {
  sentinel.server.on("connection", () => sentinel.connections++);
  sentinel.server.on("request", (_req, res) => {
    sentinel.requests++;
    res.end("{}");
  });
  await new Promise<void>((ready) => sentinel.server.listen(0, "127.0.0.1", ready));
  sentinel.port = (sentinel.server.address() as AddressInfo).port;

  h = await startHarness({ resolve, oktaTimeoutMs: 500 });
  admin = await h.token({ orgId: "org-ssrf", orgRole: "admin" });
  const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "ssrf-existing", { projectId: "proj-ssrf" }) });
  expect(created.status).toBe(200);
  existing = created.body.appConnection;
  infraPorts = [portOf(h.base), portOf(inject("dynamoEndpoint")), portOf(h.localKms.endpoint)];
  tripwire = installTripwire();
});

afterAll(async () => {
  tripwire?.uninstall();
  sentinel.server.closeAllConnections();
  await new Promise((done) => sentinel.server.close(done));
  await h?.close();
});

beforeEach(() => {
  tripwire.reset();
  h.okta.respondWith(null);
});

/** Why `res` is not the refusal `c` requires, or undefined when it is. */
function divergence(res: { status: number; body: any; text: string }, c: SsrfCase): string | undefined {
  if (res.status !== c.status || res.body?.statusCode !== c.status || res.body?.error !== c.error) {
    return `${res.status} ${res.body?.error}: ${res.body?.message}`;
  }
  if (c.messageIncludes && !String(res.body.message).includes(c.messageIncludes)) return `message lacks ${c.messageIncludes}`;
  if (c.secret && res.text.includes(c.secret)) return "the answer echoes the URL's password";
  return undefined;
}

describe("SSRF corpus", () => {
  it(`has at least 40 entries (${SSRF_CORPUS_SIZE})`, () => {
    expect(SSRF_CORPUS_SIZE).toBeGreaterThanOrEqual(40);
    expect(new Set(materialize({ sentinel: 1, okta: 2 }).map((c) => c.url)).size).toBe(SSRF_CORPUS_SIZE);
  });

  it("refuses every entry on create and on a credentials PATCH; nothing stored, nothing reached", async () => {
    const corpus = materialize({ sentinel: sentinel.port, okta: portOf(h.okta.origin) });
    const untouched = await h.untouched();
    const wrongs: string[] = [];
    for (const c of corpus) {
      const credentials = { instanceUrl: c.url, apiToken: h.validOktaToken() };
      const created = await h.call("POST", BASE, { token: admin, body: { name: "ssrf-victim", method: "api-token", credentials } });
      const patched = await h.call("PATCH", `${BASE}/${existing.id}`, { token: admin, body: { credentials } });
      for (const [method, res] of [["POST", created], ["PATCH", patched]] as const) {
        const wrong = divergence(res, c);
        if (wrong) wrongs.push(`${method} ${c.url} (${c.reason}): expected ${c.status} ${c.error}, got ${wrong}`);
      }
    }
    expect(wrongs).toEqual([]);
    expect(sentinel.connections, "connections to the loopback sentinel").toBe(0);
    expect(tripwire.outside(infraPorts), "connections outside the app's own infrastructure").toEqual([]);
    await untouched.check();
    // The existing connection is untouched: same version, same credentials.
    const now = await h.call("GET", `${BASE}/${existing.id}`, { token: admin });
    expect(now.body.appConnection).toEqual(existing);
  });

  it("resolves a rebinding name once and connects only to the address it checked", async () => {
    const untouched = await h.untouched();
    for (const [label, send] of [
      ["POST", (credentials: object) => h.call("POST", BASE, { token: admin, body: { name: "ssrf-rebind", method: "api-token", credentials } })],
      ["PATCH", (credentials: object) => h.call("PATCH", `${BASE}/${existing.id}`, { token: admin, body: { credentials } })],
    ] as const) {
      const host = `rebind-${label.toLowerCase()}.attacker.example`;
      rebinding.set(host, 0);
      tripwire.reset();
      const lookupsBefore = lookups.length;
      const credentials = { instanceUrl: `https://${host}`, apiToken: h.validOktaToken() };

      // First lookup: public, so the guard passes and pins it; the call then fails (no network here).
      const first = await send(credentials);
      expect([502, 504], label).toContain(first.status);
      expect(["UpstreamUnavailable", "UpstreamTimeout"], label).toContain(first.body.error);
      expect(lookups.slice(lookupsBefore), label).toEqual([host]);
      const outside = tripwire.outside(infraPorts);
      expect(outside.length, label).toBeGreaterThan(0);
      for (const attempt of outside) {
        expect(attempt, label).toMatchObject({ port: 443 });
        expect(attempt.addresses, label).toEqual(attempt.addresses.map(() => PUBLIC));
      }

      // Every later lookup says loopback: refused by the guard, nothing connects.
      tripwire.reset();
      const second = await send(credentials);
      expect(second.status, label).toBe(400);
      expect(second.body.error, label).toBe("InvalidInstanceUrl");
      expect(lookups.slice(lookupsBefore), label).toEqual([host, host]);
      expect(tripwire.outside(infraPorts), label).toEqual([]);
    }
    expect(sentinel.connections).toBe(0);
    await untouched.check();
  });

  it("treats an Okta redirect as InvalidInstanceUrl and never follows it", async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const location of [`http://127.0.0.1:${sentinel.port}/`, "http://169.254.169.254/latest/meta-data/"]) {
        h.okta.respondWith(() => ({ status, headers: { Location: location }, body: "" }));
        const label = `${status} -> ${location}`;
        const oktaBefore = h.okta.requests.length;
        const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "ssrf-redirect") });
        expect(created.status, label).toBe(400);
        expect(created.body.error, label).toBe("InvalidInstanceUrl");
        const patched = await h.call("PATCH", `${BASE}/${existing.id}`, {
          token: admin,
          body: { credentials: { instanceUrl: h.okta.origin, apiToken: h.validOktaToken() } },
        });
        expect(patched.status, label).toBe(400);
        expect(patched.body.error, label).toBe("InvalidInstanceUrl");
        const validated = await h.call("POST", `${BASE}/${existing.id}/validate`, { token: admin });
        expect(validated.status, label).toBe(200);
        expect(validated.body, label).toMatchObject({ valid: false, error: { error: "InvalidInstanceUrl" } });
        expect(h.okta.requests.length - oktaBefore, label).toBe(3);
      }
    }
    const oktaPort = portOf(h.okta.origin);
    expect(tripwire.outside([...infraPorts, oktaPort])).toEqual([]);
    expect(sentinel.connections).toBe(0);
    // Only validate's health record changed (section 8): the connection itself is as it was.
    const now = (await h.call("GET", `${BASE}/${existing.id}`, { token: admin })).body.appConnection;
    expect(now).toEqual({ ...existing, health: expect.objectContaining({ status: "unhealthy", error: expect.objectContaining({ error: "InvalidInstanceUrl" }) }) });
  });
});
