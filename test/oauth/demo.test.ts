import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoOkta } from "../../functions/local/demo-okta";
import { freePort } from "../../functions/local/free-port";
import { startHarness, type Harness } from "../support/harness";
import { ROOT } from "../support/local-process";

/** The demo Okta's token endpoint with keys made as the README says: `npm run keygen` and openssl. */
let h: Harness;
let demo: Awaited<ReturnType<typeof startDemoOkta>>;
let admin: string;
const dir = mkdtempSync(join(tmpdir(), "oac-demo-oauth-"));
const dataDir = join(dir, "data");
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  demo = await startDemoOkta(await freePort(), { dataDir });
  h = await startHarness({ allowOkta: [demo.hostPort] });
  admin = await h.token({ orgId: "org-demo-oauth", orgRole: "admin" });
});
afterAll(async () => {
  await h.close();
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, encoding: "utf8", timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const create = (name: string, clientId: string, privateKey: unknown) =>
  h.call("POST", BASE, {
    token: admin,
    body: { name, method: "client-credentials", credentials: { instanceUrl: demo.origin, clientId, scopes: ["okta.users.read"], privateKey } },
  });

describe("demo Okta service apps", () => {
  it("npm run keygen: the PEM and the JWK it writes create connections; the access token opens users/me; the key is not printed", async () => {
    const out = run(process.execPath, ["--import", "tsx", "functions/local/keygen.ts", "--type", "rsa", "--kid", "demo-1", "--client-id", "0oakeygen", "--out", join(dir, "keys")]);
    const pem = readFileSync(join(dir, "keys", "service-app.key.pem"), "utf8");
    const jwk = JSON.parse(readFileSync(join(dir, "keys", "service-app.key.jwk.json"), "utf8"));
    expect(out).not.toContain(pem.split("\n")[1]);
    expect(out).not.toContain(jwk.d);
    expect(JSON.parse(readFileSync(join(dir, "keys", "service-app.pub.jwk.json"), "utf8"))).not.toHaveProperty("d");

    const viaJwk = await create("demo-jwk", "0oakeygen", jwk);
    expect(viaJwk.status, viaJwk.text).toBe(200);
    expect(viaJwk.body.appConnection.credentials.keyId).toBe("demo-1");
    expect((await create("demo-pem", "0oakeygen", pem)).status).toBe(200);

    const record = (await h.store.getById("org-demo-oauth", viaJwk.body.appConnection.id))!;
    const auth = await h.access.authorize(record, { method: "GET", path: "/api/v1/users/me" });
    const me = await fetch(`${demo.origin}/api/v1/users/me`, { headers: auth.headers });
    expect(me.status).toBe(200);
    expect((await fetch(`${demo.origin}/api/v1/users/me`, { headers: { Authorization: "Bearer not-issued" } })).status).toBe(401);
  });

  it("openssl one-liners (EC P-256, public key as <client id>.pem) work too; an unregistered client is refused", async () => {
    const clients = join(dataDir, "demo-okta-clients");
    mkdirSync(clients, { recursive: true });
    const key = join(dir, "openssl.pem");
    run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    run("openssl", ["pkey", "-in", key, "-pubout", "-out", join(clients, "0oaopenssl.pem")]);
    const pem = readFileSync(key, "utf8");
    const ok = await create("demo-openssl", "0oaopenssl", pem);
    expect(ok.status, ok.text).toBe(200);
    const unknown = await create("demo-unknown", "0oanobody", pem);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("InvalidCredentials");
    expect(unknown.body.message).toContain("No demo service app 0oanobody");
  });
});
