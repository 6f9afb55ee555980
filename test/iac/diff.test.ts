import { describe, expect, it } from "vitest";
import type { ApiConnection } from "../../iac/api";
import { oktaAppConnectionProvider as provider, type ConnectionInputs } from "../../iac";
import { fingerprint, sameCredentials, stateOf } from "../../iac/state";
import { sampleToken } from "../support/fake-okta";

/** What diff and the state decide from data alone (the API calls are in provider.test.ts). */
const apiToken = sampleToken("diff");
const credentials = { instanceUrl: "https://acme.okta.com", apiToken };
const target = { apiUrl: "https://connections.example.com", authToken: "jwt" };
const live: ApiConnection = {
  id: "3f0c8a1e-8f0e-4b7e-9c1a-0d6f3b2a1c9e",
  name: "okta-prod",
  description: null,
  projectId: "web",
  version: 4,
  credentialsHash: "a".repeat(64),
  method: "api-token",
  credentials: { instanceUrl: "https://acme.okta.com" },
};
const declared = (overrides: Partial<ConnectionInputs> = {}): ConnectionInputs => ({ ...target, name: "okta-prod", projectId: "web", method: "api-token", credentials, ...overrides });
const stateFor = async (connection: ApiConnection = live) =>
  stateOf(connection, target, { deployedCredentialsHash: connection.credentialsHash, credentialsFingerprint: await fingerprint(credentials) });

describe("credentials fingerprint", () => {
  it("is salted (two of the same credentials differ), matches its credentials whatever the key order, and nothing else", async () => {
    const first = await fingerprint(credentials);
    const second = await fingerprint(credentials);
    expect(first).not.toBe(second);
    expect(first).not.toContain(apiToken);
    expect(await sameCredentials({ apiToken, instanceUrl: "https://acme.okta.com" }, first)).toBe(true);
    expect(await sameCredentials(credentials, second)).toBe(true);
    expect(await sameCredentials({ ...credentials, apiToken: sampleToken("other") }, first)).toBe(false);
    expect(await sameCredentials({ ...credentials, instanceUrl: "https://other.okta.com" }, first)).toBe(false);
    expect(await sameCredentials(credentials, undefined)).toBe(false);
  });
});

describe("state", () => {
  it("takes health and proxy from the API's answer when it has them, else null (or the declared proxy)", async () => {
    const health = { status: "healthy", checkedAt: "2026-01-01T00:00:00.000Z", lastHealthyAt: "2026-01-01T00:00:00.000Z", consecutiveFailures: 0, error: null };
    const written = { deployedCredentialsHash: live.credentialsHash, credentialsFingerprint: "f" };
    expect(stateOf({ ...live, health, proxy: { allow: ["GET /api/v1/users/**"] } }, target, written)).toMatchObject({ health, proxy: { allow: ["GET /api/v1/users/**"] } });
    expect(stateOf(live, target, written)).toMatchObject({ health: null, proxy: null });
    expect(stateOf(live, target, written, { allow: ["GET /api/v1/**"] })).toMatchObject({ proxy: { allow: ["GET /api/v1/**"] } });
  });
});

describe("diff", () => {
  it("an omitted description is null, as the API stores it: no change", async () => {
    expect((await provider.diff(live.id, await stateFor(), declared({ description: undefined }))).changes).toBe(false);
    expect(await provider.diff(live.id, await stateFor(), declared({ description: "x" }))).toMatchObject({ changes: true, diffs: ["description"] });
  });

  it("a declared proxy policy is compared with the live one; an undeclared one is left to the service", async () => {
    const olds = await stateFor({ ...live, proxy: { allow: ["GET /api/v1/**"] } });
    expect((await provider.diff(live.id, olds, declared())).changes).toBe(false);
    expect((await provider.diff(live.id, olds, declared({ proxy: { allow: ["GET /api/v1/**"] } }))).changes).toBe(false);
    const wider = declared({ proxy: { allow: ["GET /api/v1/**", "POST /api/v1/users"] } });
    expect(await provider.diff(live.id, olds, wider)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false, diffs: ["proxy"] });
  });

  it("several replace reasons at once: deleted first when any of them keeps the name's scope", async () => {
    const both = declared({ projectId: "mobile", method: "client-credentials" });
    expect(await provider.diff(live.id, await stateFor(), both)).toMatchObject({ replaces: ["projectId", "method"], deleteBeforeReplace: true });
  });
});
