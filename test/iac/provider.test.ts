import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mintDevToken } from "../../functions/local/dev-token";
import { freePort } from "../../functions/local/free-port";
import { loadOrCreateLocalSecrets } from "../../functions/local/secrets";
import { oktaAppConnectionProvider, type ConnectionInputs, type ConnectionState } from "../../iac";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { exited, startLocalProcess, type LocalProcess } from "../support/local-process";
import { findTokenShapes } from "../support/token-shapes";

/**
 * The dynamic provider's functions, called the way Pulumi's engine calls them, against `npm start` (a
 * child process: the real API on the suite's DynamoDB Local, the local KMS, a fake Okta on loopback).
 */
let okta: FakeOkta;
let server: LocalProcess;
let dataDir: string;
const tokenA = sampleToken("iac-a");
const tokenB = sampleToken("iac-b");
const refused = sampleToken("iac-refused");

beforeAll(async () => {
  okta = await startFakeOkta();
  okta.validTokens.add(tokenA).add(tokenB);
  dataDir = mkdtempSync(join(tmpdir(), "oac-iac-"));
  server = await startLocalProcess({
    env: { DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort, DYNAMODB_ENDPOINT: inject("dynamoEndpoint"), TABLE_NAME: `iac-${process.pid}` },
  });
});
afterAll(async () => {
  server?.child.kill("SIGTERM");
  if (server) await exited(server.child);
  await okta?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const declared = (name: string, overrides: Partial<ConnectionInputs> = {}): ConnectionInputs => ({
  apiUrl: server.base,
  authToken: server.token,
  name,
  projectId: "web",
  description: "Production Okta org",
  method: "api-token",
  credentials: { instanceUrl: okta.origin, apiToken: tokenA },
  ...overrides,
});

/** What Pulumi would persist must hold no credential: neither token, nor anything of a token's shape. */
function stateOnly<T extends { outs?: ConnectionState; props?: ConnectionState }>(result: T): T {
  const text = JSON.stringify(result);
  expect(text).not.toContain(tokenA);
  expect(text).not.toContain(tokenB);
  expect(findTokenShapes(result)).toEqual([]);
  const state = result.outs ?? result.props;
  if (state) {
    expect(state).not.toHaveProperty("credentials");
    // The bearer token is kept (refresh and delete need it) under `authToken` only, a secret output.
    const { authToken, ...rest } = state;
    expect(JSON.stringify(rest)).not.toContain(authToken);
  }
  return result;
}

/** The provider, with every state it returns checked by `stateOnly`. */
const provider = {
  create: async (inputs: ConnectionInputs) => stateOnly(await oktaAppConnectionProvider.create(inputs)),
  read: async (id: string, props: ConnectionState) => stateOnly(await oktaAppConnectionProvider.read(id, props)),
  update: async (id: string, olds: ConnectionState, news: ConnectionInputs) => stateOnly(await oktaAppConnectionProvider.update(id, olds, news)),
  diff: oktaAppConnectionProvider.diff,
  delete: oktaAppConnectionProvider.delete,
};

/** The API directly, as someone outside the deploy (or the test) uses it. */
async function api(method: string, id: string, body?: unknown, ifMatch?: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${server.token}`, "content-type": "application/json" };
  if (ifMatch !== undefined) headers["if-match"] = String(ifMatch);
  const res = await fetch(`${server.base}/api/v1/app-connections/okta/${id}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, connection: ((await res.json()) as { appConnection?: Record<string, any> }).appConnection };
}

/** The last token the fake Okta was asked about: the one the service just stored. */
const lastTokenOktaSaw = () => String(okta.requests.at(-1)?.headers["authorization"]).replace(/^SSWS /, "");

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  const error = err as Error;
  // The deploy prints `Code: message`, not the provider's stack frames, and never a secret.
  expect(error.stack).not.toMatch(/\n\s+at /);
  for (const secret of [tokenA, tokenB, refused, server.token]) expect(error.message).not.toContain(secret);
  return error;
}

describe("OktaAppConnection provider against npm start", () => {
  it("creates a connection; a refresh right after finds it unchanged and diff has nothing to do", async () => {
    const { id, outs } = await provider.create(declared("okta-created"));
    const { connection } = await api("GET", id);
    expect(outs).toMatchObject({
      name: "okta-created",
      projectId: "web",
      description: "Production Okta org",
      method: "api-token",
      instanceUrl: okta.origin,
      version: 1,
      credentialsHash: connection!.credentialsHash,
      deployedCredentialsHash: connection!.credentialsHash,
      health: connection!.health ?? null,
    });
    expect(outs!.credentialsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(outs!.credentialsFingerprint).toMatch(/^sha256:[0-9a-f]{32}:[0-9a-f]{64}$/);
    expect(lastTokenOktaSaw()).toBe(tokenA);

    const read = await provider.read(id, outs!);
    expect(read).toEqual({ id, props: outs });
    expect(await provider.diff(id, read.props!, declared("okta-created"))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, diffs: [] });
  });

  it("renames and re-describes in place: one PATCH with If-Match, credentials untouched", async () => {
    const { id, outs } = await provider.create(declared("okta-before"));
    const news = declared("okta-after", { description: undefined });
    expect(await provider.diff(id, outs!, news)).toMatchObject({ changes: true, replaces: [], diffs: ["name", "description"] });
    const oktaCalls = okta.requests.length;

    const { outs: updated } = await provider.update(id, outs!, news);
    expect(updated).toMatchObject({ name: "okta-after", description: null, version: 2, credentialsHash: outs!.credentialsHash });
    expect(okta.requests.length).toBe(oktaCalls); // credentials were not sent again
    expect((await api("GET", id)).connection).toMatchObject({ name: "okta-after", description: null, version: 2 });
    expect((await provider.diff(id, updated!, news)).changes).toBe(false);
  });

  it("a changed declared credential is an update that writes it (checked by Okta)", async () => {
    const { id, outs } = await provider.create(declared("okta-rotate"));
    const news = declared("okta-rotate", { credentials: { instanceUrl: okta.origin, apiToken: tokenB } });
    expect(await provider.diff(id, outs!, news)).toMatchObject({ changes: true, replaces: [], diffs: ["credentials"] });

    const { outs: updated } = await provider.update(id, outs!, news);
    expect(lastTokenOktaSaw()).toBe(tokenB);
    expect(updated!.credentialsHash).not.toBe(outs!.credentialsHash);
    expect(updated!.deployedCredentialsHash).toBe(updated!.credentialsHash);
    expect((await provider.diff(id, updated!, news)).changes).toBe(false);
  });

  it("drift: a credential changed outside the deploy shows on refresh, diff wants an update, and the update restores the declared one", async () => {
    const { id, outs } = await provider.create(declared("okta-drift"));
    const outside = await api("PATCH", id, { credentials: { instanceUrl: okta.origin, apiToken: tokenB } }, 1);
    expect(outside.status).toBe(200);

    const { props: refreshed } = await provider.read(id, outs!);
    expect(refreshed!.credentialsHash).toBe(outside.connection!.credentialsHash);
    expect(refreshed!.credentialsHash).not.toBe(refreshed!.deployedCredentialsHash);
    expect(refreshed!.version).toBe(2);
    // The declaration did not change, yet the deploy must write it again.
    expect(await provider.diff(id, refreshed!, declared("okta-drift"))).toMatchObject({ changes: true, replaces: [], diffs: ["credentials"] });

    const { outs: restored } = await provider.update(id, refreshed!, declared("okta-drift"));
    expect(lastTokenOktaSaw()).toBe(tokenA);
    expect(restored).toMatchObject({ version: 3, deployedCredentialsHash: restored!.credentialsHash });
    expect((await api("GET", id)).connection!.credentialsHash).toBe(restored!.credentialsHash);
    const { props: again } = await provider.read(id, restored!);
    expect((await provider.diff(id, again!, declared("okta-drift"))).changes).toBe(false);
  });

  it("a rename from a stale version: the 412 says the connection was changed outside the deploy, and nothing changes", async () => {
    const { id, outs } = await provider.create(declared("okta-stale"));
    expect((await api("PATCH", id, { description: "edited in the console" }, 1)).status).toBe(200);

    const err = await rejection(provider.update(id, outs!, declared("okta-renamed")));
    expect(err.message).toMatch(/^PreconditionFailed: connection "okta-stale" \(.+\) was changed outside this deploy since version 1/);
    expect(err.message).toContain("refresh");
    expect((await api("GET", id)).connection).toMatchObject({ name: "okta-stale", version: 2 });

    // After a refresh, the same deploy goes through and puts the declared description back.
    const { props: refreshed } = await provider.read(id, outs!);
    expect(await provider.diff(id, refreshed!, declared("okta-renamed"))).toMatchObject({ diffs: ["name", "description"] });
    const { outs: renamed } = await provider.update(id, refreshed!, declared("okta-renamed"));
    expect(renamed).toMatchObject({ name: "okta-renamed", description: "Production Okta org", version: 3 });
  });

  it("replaces on a projectId change (new one first), on a method or apiUrl change (old one deleted first)", async () => {
    const { id, outs } = await provider.create(declared("okta-move"));
    const moved = declared("okta-move", { projectId: "mobile" });
    expect(await provider.diff(id, outs!, moved)).toEqual({ changes: true, replaces: ["projectId"], deleteBeforeReplace: false, diffs: ["projectId"] });
    expect(await provider.diff(id, outs!, declared("okta-move", { projectId: undefined }))).toMatchObject({ replaces: ["projectId"] });
    const otherMethod = declared("okta-move", { method: "client-credentials" });
    expect(await provider.diff(id, outs!, otherMethod)).toMatchObject({ changes: true, replaces: ["method"], deleteBeforeReplace: true });
    const otherService = declared("okta-move", { apiUrl: "https://connections.example.com" });
    expect(await provider.diff(id, outs!, otherService)).toMatchObject({ changes: true, replaces: ["apiUrl"], deleteBeforeReplace: true });

    // Pulumi's replace without deleteBeforeReplace: create the new one, then delete the old one.
    const { id: newId, outs: newOuts } = await provider.create(moved);
    await provider.delete(id, outs!);
    expect(newId).not.toBe(id);
    expect(newOuts).toMatchObject({ name: "okta-move", projectId: "mobile", version: 1 });
    expect((await api("GET", id)).status).toBe(404);
    expect((await api("GET", newId)).connection).toMatchObject({ projectId: "mobile" });
  });

  it("deletes; a refresh of a deleted connection returns no id, and deleting it again is fine", async () => {
    const { id, outs } = await provider.create(declared("okta-delete"));
    await provider.delete(id, outs!);
    expect((await api("GET", id)).status).toBe(404);
    expect(await provider.read(id, outs!)).toEqual({});
    await expect(provider.delete(id, outs!)).resolves.toBeUndefined();
  });

  it("a new authToken is an update that only keeps it: one GET with it, no new version", async () => {
    const { id, outs } = await provider.create(declared("okta-new-auth"));
    const { authJwtSecret } = loadOrCreateLocalSecrets(dataDir);
    const rotated = await mintDevToken(authJwtSecret, { sub: "deploy-bot", orgId: "dev-org", orgRole: "admin" });
    const news = declared("okta-new-auth", { authToken: rotated });
    expect(await provider.diff(id, outs!, news)).toMatchObject({ changes: true, replaces: [], diffs: ["authToken"] });

    // The update checks the new token with the service: a refused one fails it.
    const refusedAuth = await rejection(provider.update(id, outs!, declared("okta-new-auth", { authToken: `${rotated}x` })));
    expect(refusedAuth.message).toMatch(/^Unauthorized: /);
    const { outs: updated } = await provider.update(id, outs!, news);
    expect(updated).toEqual({ ...outs, authToken: rotated });
    await provider.delete(id, updated!); // with the new token
    expect((await api("GET", id)).status).toBe(404);
  });

  it("surfaces the API's errors as `error: message`, without a stack or a secret", async () => {
    const bad = await rejection(provider.create(declared("okta-refused", { credentials: { instanceUrl: okta.origin, apiToken: refused } })));
    expect(bad.message).toMatch(/^InvalidCredentials: Okta rejected the API token: Invalid token provided \(request id [^)]+\)$/);

    await provider.create(declared("okta-taken"));
    expect((await rejection(provider.create(declared("okta-taken")))).message).toMatch(/^Conflict: /);
    expect((await rejection(provider.create(declared("okta-unauth", { authToken: "not-a-jwt" })))).message).toMatch(/^Unauthorized: /);
    expect((await rejection(provider.create(declared("Not Valid")))).message).toMatch(/^ValidationFailure: .*name/);
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect((await rejection(provider.create(declared("okta-down", { apiUrl: closed })))).message).toMatch(/^Unreachable: could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect((await rejection(provider.create(declared("okta-nourl", { apiUrl: "connections.example.com" })))).message).toMatch(/^InvalidInput: apiUrl/);
  });

  it("keeps the declared secrets out of an error even when an answer would echo them", async () => {
    // A broken proxy in front of the service that repeats the request it refused.
    const echo = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "BadGateway", message: `${req.headers.authorization} ${body}` })));
    });
    await new Promise<void>((done) => echo.listen(0, "127.0.0.1", done));
    try {
      const apiUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      const err = await rejection(provider.create(declared("okta-echo", { apiUrl })));
      expect(err.message).toMatch(/^BadGateway: Bearer \[secret\] .*"apiToken":"\[secret\]"/);
    } finally {
      echo.close();
    }
  });
});
