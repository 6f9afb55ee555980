import { createDecipheriv, randomBytes } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canonicalContext } from "../../functions/core/crypto/envelope";
import { openBlob } from "../../functions/core/crypto/local-kms-ops";
import { sampleToken } from "../support/fake-okta";
import { createBody, rawText, startHarness, type Harness, type Reply } from "../support/harness";

/**
 * No Okta API token ever leaves the request that carried it: not in a response, not in a log line,
 * not in the table (which holds only an envelope-encrypted copy). The local KMS master key is known
 * to this file (injected below) so the table can be searched for it too.
 */
const MASTER = vi.hoisted(() => new Uint8Array(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)));
vi.mock("../../functions/core/crypto/local-kms", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../functions/core/crypto/local-kms")>();
  return { ...real, startLocalKms: (opts: Parameters<typeof real.startLocalKms>[0] = {}) => real.startLocalKms({ ...opts, masterKey: MASTER }) };
});

let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const PROJECT = "proj-secrets";
/** Every token any request of the workload carried, valid, refused or malformed. */
const tokens = new Set<string>();
/** Every response of the workload. */
const replies: Reply[] = [];

async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const reply = await h.call(method, path, { token: admin, ...options });
  replies.push(reply);
  return reply;
}
const valid = () => {
  const t = h.validOktaToken();
  tokens.add(t);
  return t;
};
const refused = (seed: string) => {
  const t = sampleToken(`refused-${seed}-${randomBytes(4).toString("hex")}`);
  tokens.add(t);
  return t;
};
const malformed = (t: string) => {
  tokens.add(t);
  return t;
};

/** Every string an item holds (names too), with binary values both as raw bytes (latin1) and as base64. */
function strings(item: Record<string, AttributeValue>, out: string[] = []): string[] {
  for (const [key, value] of Object.entries(item)) {
    out.push(key);
    valueStrings(value, out);
  }
  return out;
}

function valueStrings(v: AttributeValue, out: string[]) {
  if (v.S !== undefined) out.push(v.S);
  if (v.N !== undefined) out.push(v.N);
  if (v.B !== undefined) out.push(Buffer.from(v.B).toString("latin1"), Buffer.from(v.B).toString("base64"));
  if (v.SS) out.push(...v.SS);
  if (v.NS) out.push(...v.NS);
  if (v.BS) for (const b of v.BS) out.push(Buffer.from(b).toString("latin1"));
  if (v.L) for (const x of v.L) valueStrings(x, out);
  if (v.M) strings(v.M, out);
}

/** Every attribute name, at any depth. */
function attributeNames(value: Record<string, AttributeValue>, out: string[] = []): string[] {
  for (const [key, inner] of Object.entries(value)) {
    out.push(key);
    if (inner.M) attributeNames(inner.M, out);
    if (inner.L) for (const x of inner.L) if (x.M) attributeNames(x.M, out);
  }
  return out;
}

const encodings = (bytes: Uint8Array | string) => {
  const b = Buffer.from(bytes as Uint8Array);
  return [b.toString("base64"), b.toString("base64url"), b.toString("hex"), b.toString("hex").toUpperCase()];
};

let orgConn: any;
let projectConn: any;
let thirdToken = "";

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: "org-secrets", orgRole: "admin" });

  // Create in both scopes.
  const first = valid();
  orgConn = (await call("POST", BASE, { body: createBody(h, "sec-org", { description: "org level" }, first) })).body.appConnection;
  projectConn = (await call("POST", BASE, { body: createBody(h, "sec-project", { projectId: PROJECT }, valid()) })).body.appConnection;
  const doomed = (await call("POST", BASE, { body: createBody(h, "sec-doomed", { projectId: PROJECT }, valid()) })).body.appConnection;
  expect(orgConn?.id && projectConn?.id && doomed?.id).toBeTruthy();

  // Reads.
  await call("GET", `${BASE}/${orgConn.id}`);
  await call("GET", `${BASE}/connection-name/sec-project?projectId=${PROJECT}`);
  await call("GET", BASE);
  await call("GET", `${BASE}?projectId=${PROJECT}&limit=1`);
  await call("GET", `${BASE}/available?projectId=${PROJECT}`);
  await call("GET", "/api/v1/app-connections");

  // Update credentials (and again with a rename), then validate: valid, then invalid.
  const second = valid();
  expect((await call("PATCH", `${BASE}/${orgConn.id}`, { body: { credentials: { instanceUrl: h.okta.origin, apiToken: second } } })).status).toBe(200);
  const third = valid();
  thirdToken = third;
  expect((await call("PATCH", `${BASE}/${projectConn.id}`, { body: { name: "sec-project-2", credentials: { instanceUrl: `${h.okta.origin}/`, apiToken: third } } })).status).toBe(200);
  expect((await call("POST", `${BASE}/${orgConn.id}/validate`)).body.valid).toBe(true);
  h.okta.validTokens.delete(second);
  const invalid = await call("POST", `${BASE}/${orgConn.id}/validate`);
  expect(invalid.body).toMatchObject({ valid: false, error: { error: "InvalidCredentials" } });

  // Failing creates and updates: Okta refuses the token.
  expect((await call("POST", BASE, { body: createBody(h, "sec-wrong", {}, refused("create-org")) })).status).toBe(400);
  expect((await call("POST", BASE, { body: createBody(h, "sec-wrong-p", { projectId: PROJECT }, refused("create-project")) })).status).toBe(400);
  expect((await call("PATCH", `${BASE}/${projectConn.id}`, { body: { credentials: { instanceUrl: h.okta.origin, apiToken: refused("patch") } } })).status).toBe(400);

  // An Okta that echoes the token it was sent back in its error (and a 5xx, and a rate limit).
  h.okta.respondWith((req) => ({
    status: 401,
    body: { errorCode: "E0000011", errorSummary: `Invalid token provided: ${String(req.headers.authorization)}`, errorCauses: [{ errorSummary: String(req.headers.authorization) }] },
  }));
  expect((await call("POST", BASE, { body: createBody(h, "sec-echo", {}, refused("echo")) })).status).toBe(400);
  h.okta.respondWith((req) => ({ status: 500, body: { errorSummary: `boom ${String(req.headers.authorization)}` } }));
  expect((await call("POST", BASE, { body: createBody(h, "sec-boom", {}, refused("boom")) })).status).toBe(502);
  h.okta.respondWith((req) => ({ status: 429, headers: { "retry-after": "3" }, body: { errorSummary: String(req.headers.authorization) } }));
  expect((await call("POST", BASE, { body: createBody(h, "sec-slow", {}, refused("slow")) })).status).toBe(429);
  h.okta.respondWith(null);

  // Malformed tokens: 422 without echoing the value (these are not token-shaped, so no redaction helps).
  for (const bad of [
    malformed(`ab${randomBytes(30).toString("base64url").slice(0, 40)}`),
    malformed(`00${randomBytes(30).toString("base64url").slice(0, 39)}`),
    malformed(`00${randomBytes(30).toString("base64url").slice(0, 38)}!~`),
    malformed(`SSWS 00${randomBytes(30).toString("base64url").slice(0, 40)}`),
  ]) {
    const res = await call("POST", BASE, { body: createBody(h, "sec-malformed", {}, bad) });
    expect(res.status).toBe(422);
    const patch = await call("PATCH", `${BASE}/${orgConn.id}`, { body: { credentials: { instanceUrl: h.okta.origin, apiToken: bad } } });
    expect(patch.status).toBe(422);
  }
  // Malformed JSON carrying a token.
  const inJson = refused("raw-json");
  const raw = await h.call("POST", BASE, { token: admin, rawBody: `{"name":"sec-raw","credentials":{"apiToken":"${inJson}"`, headers: { "content-type": "application/json" } });
  replies.push(raw);
  expect(raw.status).toBe(422);

  // Delete, and read the audit log.
  expect((await call("DELETE", `${BASE}/${doomed.id}`)).status).toBe(200);
  await call("GET", `/api/v1/audit-logs?projectId=${PROJECT}`);
  await call("GET", "/api/v1/audit-logs");
  expect(tokens.size).toBeGreaterThanOrEqual(15);
});
afterAll(() => h.close());

describe("no API token ever appears", () => {
  it("in any response (body or headers)", () => {
    for (const reply of replies) {
      const headers = JSON.stringify([...reply.headers.entries()]);
      for (const token of tokens) {
        expect(reply.text).not.toContain(token);
        expect(headers).not.toContain(token);
        for (const enc of encodings(token)) expect(reply.text).not.toContain(enc);
      }
    }
  });

  it("in any log line, and nothing needed redacting", () => {
    expect(h.logs.length).toBeGreaterThan(0);
    const all = h.logs.join("\n");
    for (const token of tokens) {
      expect(all).not.toContain(token);
      // Also not a recognisable part of one (the redactor only knows the exact shape).
      expect(all).not.toContain(token.slice(2, 30));
    }
    expect(all).not.toContain("[REDACTED]");
    expect(all).not.toContain("SSWS");
  });

  it("in the raw table, in any encoding", async () => {
    const items = await h.scan();
    expect(items.length).toBeGreaterThan(0);
    const text = rawText(items);
    const everything = items.flatMap((item) => strings(item)).join("\n");
    for (const token of tokens) {
      expect(text).not.toContain(token);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice(2, 30));
      for (const enc of encodings(token)) expect(text).not.toContain(enc);
    }
    expect(text).not.toContain("SSWS");
  });

  it("stores each connection's token only as a sealed envelope, and no attribute is named like a token", async () => {
    const items = await h.scan();
    const connections = items.filter((item) => item.type?.S === "connection");
    expect(connections.map((c) => c.name?.S).sort()).toEqual(["sec-org", "sec-project-2"]);
    for (const item of connections) {
      const secret = item.secret?.M;
      expect(secret, "secret map").toBeDefined();
      expect(Object.keys(secret!).sort()).toEqual(["ciphertext", "encryptedDataKey", "formatVersion", "iv", "tag"]);
      expect(secret!.formatVersion).toEqual({ N: "2" });
      expect(secret!.encryptedDataKey!.B!.length).toBeGreaterThanOrEqual(32);
      expect(secret!.iv!.B!.length).toBe(12);
      expect(secret!.tag!.B!.length).toBe(16);
      expect(secret!.ciphertext!.B!.length).toBe(42); // AES-GCM: as long as the 42-char token, no more
      for (const token of tokens) expect(Buffer.from(secret!.ciphertext!.B!).toString("latin1")).not.toBe(token);
    }
    const ivs = connections.map((c) => Buffer.from(c.secret!.M!.iv!.B!).toString("hex"));
    expect(new Set(ivs).size).toBe(ivs.length);
    for (const item of items) {
      for (const name of attributeNames(item)) expect(name, "attribute name").not.toMatch(/api.?token|token|password|plaintext/i);
      if (item.type?.S !== "connection") expect(item.secret, `${item.type?.S} item carries no secret`).toBeUndefined();
    }
  });

  it("the local KMS master key never appears in the table", async () => {
    const items = await h.scan();
    const text = rawText(items);
    const everything = items.flatMap((item) => strings(item)).join("\n");
    const master = Buffer.from(MASTER);
    for (const enc of encodings(master)) expect(text).not.toContain(enc);
    expect(everything).not.toContain(master.toString("latin1"));
    // Nor any 16-byte window of it, in raw binary attributes.
    for (let i = 0; i + 16 <= master.length; i += 4) expect(everything).not.toContain(master.subarray(i, i + 16).toString("latin1"));
    // The injected key is really the one in use: with it (and only through KMS's blob) the token opens.
    const item = items.find((i) => i.type?.S === "connection" && i.id?.S === projectConn.id)!;
    const sealed = item.secret!.M!;
    const context = { orgId: "org-secrets", scope: "project", projectId: PROJECT, connectionId: projectConn.id, app: "okta" };
    const dataKey = openBlob(master, Buffer.from(sealed.encryptedDataKey!.B!), context);
    expect(dataKey.length).toBe(32);
    expect(text).not.toContain(dataKey.toString("base64"));
    expect(everything).not.toContain(dataKey.toString("latin1"));
    const open = createDecipheriv("aes-256-gcm", dataKey, Buffer.from(sealed.iv!.B!)).setAuthTag(Buffer.from(sealed.tag!.B!));
    open.setAAD(Buffer.from(`okta-token-v2\n${canonicalContext(context)}`));
    const plain = Buffer.concat([open.update(Buffer.from(sealed.ciphertext!.B!)), open.final()]).toString("utf8");
    expect(tokens.has(plain)).toBe(true);
    expect(plain).toBe(thirdToken);
    for (const line of h.logs) for (const enc of encodings(master)) expect(line).not.toContain(enc);
  });
});
