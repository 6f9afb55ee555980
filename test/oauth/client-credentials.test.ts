import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appConnectionSchema } from "../../functions/api/responses";
import { startFakeOktaOAuth, type FakeOktaOAuth } from "../support/fake-okta-oauth";
import { startHarness, type Harness } from "../support/harness";
import { makeKeyPair, type TestKeyPair } from "../support/service-app-keys";
import { findPrivateKeys } from "../support/token-shapes";

let h: Harness;
let okta: FakeOktaOAuth;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const SCOPES = ["okta.users.read", "okta.groups.read"];
const keysUsed: TestKeyPair[] = [];

beforeAll(async () => {
  okta = await startFakeOktaOAuth();
  h = await startHarness({ allowOkta: [okta.hostPort] });
  admin = await h.token({ orgId: "org-oauth", orgRole: "admin" });
});
afterAll(async () => {
  await h.close();
  await okta.close();
});

/** A key pair registered with the fake Okta for `clientId`. */
function serviceApp(clientId: string, kind: "rsa" | "ec", opts: { kid?: string; scopes?: string[] } = {}) {
  const keys = makeKeyPair(kind, { kid: opts.kid });
  keysUsed.push(keys);
  okta.register(clientId, keys.publicJwk, opts.scopes ?? [...SCOPES, "okta.apps.read"]);
  return keys;
}

const ccBody = (name: string, clientId: string, privateKey: unknown, extra: Record<string, unknown> = {}) => ({
  name,
  method: "client-credentials",
  credentials: { instanceUrl: okta.origin, clientId, scopes: SCOPES, privateKey },
  ...extra,
});

describe("both key types and both encodings through the HTTP API", () => {
  const variants = [
    { kind: "rsa", encoding: "jwk", alg: "RS256", kid: "rsa-key-1" },
    { kind: "rsa", encoding: "pem", alg: "RS256" },
    { kind: "ec", encoding: "jwk", alg: "ES256", kid: "ec-key-1" },
    { kind: "ec", encoding: "jwk", alg: "ES256" },
    { kind: "ec", encoding: "pem", alg: "ES256" },
  ] as const;

  for (const [i, v] of variants.entries()) {
    it(`${v.kind.toUpperCase()} as ${v.encoding.toUpperCase()}${"kid" in v ? " with kid" : ""}: create, get, list, validate, PATCH credentials, delete`, async () => {
      const clientId = `0oa${v.kind}${v.encoding}${i}`;
      const keys = serviceApp(clientId, v.kind, { kid: "kid" in v ? v.kid : undefined });
      const privateKey = v.encoding === "jwk" ? keys.privateJwk : keys.pem;
      const name = `cc-${v.kind}-${v.encoding}-${i}`;
      const sent = okta.tokenRequests.length;

      const created = await h.call("POST", BASE, { token: admin, body: ccBody(name, clientId, privateKey, { projectId: "p-oauth" }) });
      expect(created.status, created.text).toBe(200);
      const conn = appConnectionSchema.parse(created.body.appConnection);
      expect(conn.method).toBe("client-credentials");
      expect(conn.credentials).toEqual({ instanceUrl: okta.origin, clientId, scopes: SCOPES, keyId: "kid" in v ? v.kid : null });

      // The token request of section 9, checked by the fake like Okta (signature, iss, sub, aud, exp, jti, scopes).
      expect(okta.tokenRequests.length).toBe(sent + 1);
      const request = okta.tokenRequests.at(-1)!;
      expect(request.status).toBe(200);
      expect(request.form).toMatchObject({ grant_type: "client_credentials", scope: SCOPES.join(" "), client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" });
      expect(request.assertionHeader).toEqual("kid" in v ? { alg: v.alg, kid: v.kid } : { alg: v.alg });
      const claims = request.assertion as { iss: string; sub: string; aud: string; iat: number; exp: number; jti: string };
      expect([claims.iss, claims.sub, claims.aud]).toEqual([clientId, clientId, okta.tokenUrl]);
      expect(claims.exp - claims.iat).toBeGreaterThan(0);
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);

      const id = conn.id;
      expect((await h.call("GET", `${BASE}/${id}`, { token: admin })).body.appConnection).toEqual(conn);
      const listed = await h.call("GET", `${BASE}?projectId=p-oauth`, { token: admin });
      expect(listed.body.appConnections).toContainEqual(conn);

      const validated = await h.call("POST", `${BASE}/${id}/validate`, { token: admin });
      expect(validated.body).toMatchObject({ valid: true });
      expect(okta.tokenRequests.length).toBe(sent + 2);

      const next = serviceApp(clientId, v.kind, { kid: "rotated" });
      const patched = await h.call("PATCH", `${BASE}/${id}`, {
        token: admin,
        headers: { "if-match": "1" },
        body: { credentials: { instanceUrl: okta.origin, clientId, scopes: ["okta.users.read"], privateKey: next.privateJwk } },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.appConnection.version).toBe(2);
      expect(patched.body.appConnection.credentials).toEqual({ instanceUrl: okta.origin, clientId, scopes: ["okta.users.read"], keyId: "rotated" });
      expect(patched.body.appConnection.credentialsHash).not.toBe(conn.credentialsHash);
      expect(okta.tokenRequests.at(-1)!.assertionHeader).toEqual({ alg: v.alg, kid: "rotated" });

      const deleted = await h.call("DELETE", `${BASE}/${id}`, { token: admin });
      expect(deleted.status).toBe(200);
      expect((await h.call("GET", `${BASE}/${id}`, { token: admin })).status).toBe(404);
    });
  }

  it("the same key as PEM and as JWK (no kid) is the same credential: the same sealed form", async () => {
    const keys = serviceApp("0oasame", "ec");
    const viaPem = (await h.call("POST", BASE, { token: admin, body: ccBody("cc-same", "0oasame", keys.pem) })).body.appConnection;
    const patched = await h.call("PATCH", `${BASE}/${viaPem.id}`, {
      token: admin,
      body: { credentials: { instanceUrl: okta.origin, clientId: "0oasame", scopes: SCOPES, privateKey: keys.privateJwk } },
    });
    expect(patched.body.appConnection.credentialsHash).toBe(viaPem.credentialsHash);
  });

  it("/options lists both methods and OpenAPI documents both create bodies", async () => {
    const options = await h.call("GET", "/api/v1/app-connections/options", { token: admin });
    expect(options.body.appConnectionOptions).toEqual([{ name: "Okta", app: "okta", methods: ["api-token", "client-credentials"] }]);
    const doc = (await h.call("GET", "/openapi.json")).body;
    const create = doc.paths["/api/v1/app-connections/okta"].post.requestBody.content["application/json"].schema;
    const members = (create.oneOf ?? create.anyOf) as { properties: { method: { const: string }; credentials: { required: string[] } } }[];
    expect(members.map((m) => [m.properties.method.const, m.properties.credentials.required])).toEqual([
      ["api-token", ["instanceUrl", "apiToken"]],
      ["client-credentials", ["instanceUrl", "clientId", "scopes", "privateKey"]],
    ]);
  });
});

describe("Okta's refusals", () => {
  it("a key Okta does not know for the client is InvalidCredentials with Okta's description; nothing stored", async () => {
    serviceApp("0oawrongkey", "rsa");
    const other = makeKeyPair("rsa");
    const before = await h.untouched();
    const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-wrong-key", "0oawrongkey", other.privateJwk) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "InvalidCredentials" });
    expect(res.body.message).toContain("invalid_client");
    expect(res.body.message).toContain("The client_assertion signature is invalid.");
    await before.tableUnchanged();
  });

  it("a scope the service app was not granted is InvalidCredentials naming it", async () => {
    const keys = serviceApp("0oascope", "ec", { scopes: ["okta.users.read"] });
    const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-scope", "0oascope", keys.privateJwk) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("InvalidCredentials");
    expect(res.body.message).toContain("invalid_scope");
    expect(res.body.message).toContain("okta.groups.read");
  });

  it("every assertion has a fresh jti (the fake refuses a replay, as Okta does)", async () => {
    const keys = serviceApp("0oajti", "ec");
    const conn = (await h.call("POST", BASE, { token: admin, body: ccBody("cc-jti", "0oajti", keys.privateJwk) })).body.appConnection;
    for (let i = 0; i < 3; i++) expect((await h.call("POST", `${BASE}/${conn.id}/validate`, { token: admin })).body.valid).toBe(true);
    const jtis = okta.tokenRequests.filter((r) => r.assertion?.iss === "0oajti").map((r) => r.assertion!.jti);
    expect(jtis).toHaveLength(4);
    expect(new Set(jtis).size).toBe(4);
    // The fake really refuses a replayed assertion:
    const replay = await fetch(okta.tokenUrl, { method: "POST", body: new URLSearchParams(okta.tokenRequests.at(-1)!.form) });
    expect(await replay.json()).toMatchObject({ error: "invalid_client", error_description: "The client_assertion token has already been used." });
  });

  it("maps 404, 3xx, 429 and 5xx of the token endpoint like section 4, and cleans Okta's description", async () => {
    const keys = serviceApp("0oamap", "ec");
    const cases: { answer: { status: number; headers?: Record<string, string>; body: unknown }; status: number; error: string }[] = [
      { answer: { status: 404, body: { errorSummary: "Not found" } }, status: 400, error: "InvalidInstanceUrl" },
      { answer: { status: 302, headers: { location: "https://elsewhere.example/" }, body: {} }, status: 400, error: "InvalidInstanceUrl" },
      { answer: { status: 429, headers: { "retry-after": "7" }, body: { error: "too_many" } }, status: 429, error: "UpstreamRateLimited" },
      { answer: { status: 503, body: {} }, status: 502, error: "UpstreamUnavailable" },
      { answer: { status: 200, body: { token_type: "Bearer" } }, status: 400, error: "InvalidInstanceUrl" },
    ];
    for (const c of cases) {
      okta.tokenOverride = () => c.answer;
      const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-map", "0oamap", keys.privateJwk) });
      expect([res.status, res.body.error], JSON.stringify(c.answer)).toEqual([c.status, c.error]);
      if (c.status === 429) expect(res.headers.get("retry-after")).toBe("7");
    }
    const leak = `eyJ${"A".repeat(60)}`;
    okta.tokenOverride = () => ({ status: 401, body: { error: "invalid_client", error_description: `bad\u0000 client\r\n ${leak} ${"x ".repeat(300)}` } });
    const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-map", "0oamap", keys.privateJwk) });
    okta.tokenOverride = null;
    expect(res.body.error).toBe("InvalidCredentials");
    expect(res.body.message).toContain("bad client [redacted]");
    expect(res.body.message).not.toContain(leak);
    expect(res.body.message).not.toMatch(/[\u0000-\u001f]/);
    expect(res.body.message.length).toBeLessThan(300);
  });
});

describe("keys and fields refused before any call", () => {
  const refusals: [string, () => unknown, RegExp][] = [
    ["a public JWK", () => makeKeyPair("ec").publicJwk, /privateKey is a public key/],
    ["a public PEM", () => publicPem(), /privateKey is a public key/],
    ["an RSA key of 1024 bits (JWK)", () => makeKeyPair("rsa", { bits: 1024 }).privateJwk, /RSA key of 1024 bits.*at least 2048/],
    ["an RSA key of 1024 bits (PEM)", () => makeKeyPair("rsa", { bits: 1024 }).pem, /RSA key of 1024 bits.*at least 2048/],
    ["a P-384 JWK", () => makeKeyPair("ec", { curve: "P-384" }).privateJwk, /unsupported curve \(P-384\)/],
    ["a P-384 PEM", () => makeKeyPair("ec", { curve: "P-384" }).pem, /unsupported curve \(secp384r1\)/],
    ["a secp256k1 PEM", () => makeKeyPair("ec", { curve: "secp256k1" }).pem, /unsupported curve \(secp256k1\)/],
    ["a secp256k1 JWK", () => makeKeyPair("ec", { curve: "secp256k1" }).privateJwk, /unsupported curve \(secp256k1\)/],
    ["an Ed25519 JWK", () => ed25519().jwk, /unsupported key type \(OKP Ed25519\)/],
    ["an Ed25519 PEM", () => ed25519().pem, /unsupported key type \(ed25519\)/],
    ["a PKCS#1 PEM", () => pkcs1(), /must be PKCS#8/],
    ["a malformed PEM", () => "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", /not a valid PKCS#8 private key/],
    ["text that is no key", () => "hello", /private JWK object or a PKCS#8 PEM string/],
    ["a JWK with a broken d", () => ({ ...makeKeyPair("ec").privateJwk, d: "AAAA" }), /not a valid EC private JWK/],
    ["a JWK without kty", () => ({ d: "AAAA" }), /kty "RSA" or "EC"/],
    ["a number", () => 42, /privateKey must be a private JWK object or a PKCS#8 PEM string/],
    ["a key over 8 KiB", () => ({ ...makeKeyPair("ec").privateJwk, x5c: ["A".repeat(9000)] }), /at most 8 KiB/],
    ["an RS256 key labelled ES512", () => ({ ...makeKeyPair("rsa").privateJwk, alg: "ES512" }), /alg must be RS256/],
  ];
  for (const [label, key, message] of refusals) {
    it(`refuses ${label} with a 422 that says which`, async () => {
      const before = await h.untouched();
      const seen = okta.count();
      const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-refused", "0oarefused", key()) });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error).toBe("ValidationFailure");
      expect(res.body.message).toMatch(message);
      expect(res.body.message).toContain("privateKey");
      expect(okta.count()).toBe(seen);
      await before.check();
    });
  }

  it("names the rule broken by clientId and scopes", async () => {
    const keys = makeKeyPair("ec").privateJwk;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ clientId: "" }, /clientId must be 1-100 letters, digits, '_' or '-'/],
      [{ clientId: "a".repeat(101) }, /clientId must be 1-100/],
      [{ clientId: "0oa bad" }, /clientId must be 1-100/],
      [{ scopes: [] }, /scopes must list 1-30 Okta scopes/],
      [{ scopes: Array.from({ length: 31 }, (_, i) => `okta.s${i}.read`) }, /scopes must list 1-30 Okta scopes/],
      [{ scopes: ["okta.users.read", "okta.users.read"] }, /scopes must not list a scope twice/],
      [{ scopes: ["users.read"] }, /each scope must be an Okta scope/],
    ];
    for (const [change, message] of cases) {
      const body = ccBody("cc-fields", "0oafields", keys);
      Object.assign(body.credentials, change);
      const res = await h.call("POST", BASE, { token: admin, body });
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(message);
    }
  });
});

describe("the method of a create body", () => {
  it("is api-token or client-credentials, and says so", async () => {
    for (const method of ["oauth", undefined]) {
      const res = await h.call("POST", BASE, { token: admin, body: { ...ccBody("cc-method", "0oamethod", "x"), method } });
      expect(res.status).toBe(422);
      expect(res.body.message).toContain("method must be one of: api-token, client-credentials");
    }
  });
});

describe("PATCH keeps the connection's method", () => {
  it("refuses a body with method, and credentials of the other method, naming what is wrong", async () => {
    const keys = serviceApp("0oapatch", "ec");
    const cc = (await h.call("POST", BASE, { token: admin, body: ccBody("cc-patch", "0oapatch", keys.privateJwk) })).body.appConnection;
    const apiToken = h.validOktaToken();
    const tokenConn = (await h.call("POST", BASE, { token: admin, body: { name: "tok-patch", method: "api-token", credentials: { instanceUrl: h.okta.origin, apiToken } } })).body.appConnection;
    const before = await h.untouched();
    const seen = okta.count();

    const withMethod = await h.call("PATCH", `${BASE}/${cc.id}`, { token: admin, body: { method: "client-credentials", description: "x" } });
    expect([withMethod.status, withMethod.body.message]).toEqual([422, expect.stringMatching(/method cannot change after creation/)]);

    const tokenOnCc = await h.call("PATCH", `${BASE}/${cc.id}`, { token: admin, body: { credentials: { instanceUrl: okta.origin, apiToken } } });
    expect(tokenOnCc.status).toBe(422);
    expect(tokenOnCc.body.message).toMatch(/method is client-credentials, so credentials must be \{ instanceUrl, clientId, scopes, privateKey \}/);

    const ccOnToken = await h.call("PATCH", `${BASE}/${tokenConn.id}`, {
      token: admin,
      body: { credentials: { instanceUrl: okta.origin, clientId: "0oapatch", scopes: SCOPES, privateKey: keys.privateJwk } },
    });
    expect(ccOnToken.status).toBe(422);
    expect(ccOnToken.body.message).toMatch(/method is api-token, so credentials must be \{ instanceUrl, apiToken \}/);

    const partial = await h.call("PATCH", `${BASE}/${cc.id}`, { token: admin, body: { credentials: { instanceUrl: okta.origin, clientId: "0oapatch" } } });
    expect(partial.status).toBe(422);
    expect(partial.body.message).toMatch(/credentials must send all of instanceUrl, clientId, scopes, privateKey/);

    expect(okta.count()).toBe(seen);
    await before.check();
  });
});

describe("DPoP at the token endpoint", () => {
  it("answers invalid_dpop_proof with a proof and use_dpop_nonce with the nonce, then gets a DPoP token", async () => {
    const keys = serviceApp("0oadpop", "rsa", { kid: "dpop-client" });
    okta.dpop = "nonce";
    const sent = okta.tokenRequests.length;
    try {
      const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-dpop", "0oadpop", keys.privateJwk) });
      expect(res.status, res.text).toBe(200);
    } finally {
      okta.dpop = "off";
    }
    const dance = okta.tokenRequests.slice(sent);
    expect(dance.map((r) => [r.status, r.error])).toEqual([
      [400, "invalid_dpop_proof"],
      [400, "use_dpop_nonce"],
      [200, undefined],
    ]);
    expect(dance[0]!.dpop).toBeUndefined();
    for (const r of dance.slice(1)) {
      expect(r.dpop!.header).toMatchObject({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256" } });
      expect(r.dpop!.header.jwk).not.toHaveProperty("d");
      expect(r.dpop!.claims).toMatchObject({ htm: "POST", htu: okta.tokenUrl });
      expect(typeof r.dpop!.claims.iat).toBe("number");
      expect(typeof r.dpop!.claims.jti).toBe("string");
    }
    expect(dance[1]!.dpop!.claims.nonce).toBeUndefined();
    expect(dance[2]!.dpop!.claims.nonce).toEqual(expect.any(String));
    // The proof key is the service's own, never the connection's (an RSA key here).
    expect(JSON.stringify(dance.map((r) => r.dpop))).not.toContain(keys.publicJwk.n!);
    expect(new Set(dance.map((r) => r.assertion!.jti)).size).toBe(3);
  });

  it("bounds the retries: a server that keeps refusing proofs gets three requests, then InvalidCredentials", async () => {
    const keys = serviceApp("0oadpoploop", "ec");
    okta.tokenOverride = (seen) =>
      seen.dpop
        ? { status: 400, headers: { "DPoP-Nonce": "n1" }, body: { error: "use_dpop_nonce", error_description: "nonce please" } }
        : { status: 400, body: { error: "invalid_dpop_proof", error_description: "proof please" } };
    const sent = okta.tokenRequests.length;
    const res = await h.call("POST", BASE, { token: admin, body: ccBody("cc-dpop-loop", "0oadpoploop", keys.privateJwk) });
    okta.tokenOverride = null;
    expect(okta.tokenRequests.length - sent).toBe(3);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("InvalidCredentials");
  });
});

describe("the private key stays secret", () => {
  it("is in no response, log line or table item (as JWK d, as PEM)", async () => {
    expect(keysUsed.length).toBeGreaterThan(5);
    const items = await h.scan();
    const everything = [JSON.stringify(items), h.logs.join("\n")];
    for (const text of everything) {
      for (const keys of keysUsed) {
        expect(text).not.toContain(keys.d);
        expect(text).not.toContain(keys.pem.split("\n")[1]);
      }
    }
    expect(findPrivateKeys(items)).toEqual([]);
    expect(findPrivateKeys(h.logs)).toEqual([]);
    const list = await h.call("GET", `${BASE}`, { token: admin });
    for (const keys of keysUsed) expect(list.text).not.toContain(keys.d);
    expect(findPrivateKeys(list.text)).toEqual([]);
  });

  it("the scan finds what a leak would look like", () => {
    const keys = makeKeyPair("ec");
    expect(findPrivateKeys({ S: JSON.stringify(keys.privateJwk) })).toHaveLength(1);
    expect(findPrivateKeys([keys.pem])).toHaveLength(1);
    expect(findPrivateKeys({ M: { d: { S: keys.d } } })).toHaveLength(1);
    expect(findPrivateKeys(keys.publicJwk)).toEqual([]);
  });
});

import { generateKeyPairSync } from "node:crypto";
function publicPem() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString();
}
function ed25519() {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { jwk: privateKey.export({ format: "jwk" }), pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString() };
}
function pkcs1() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs1" }).toString();
}
