import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOktaOAuth, type FakeOktaOAuth } from "../support/fake-okta-oauth";
import { exited, startLocalProcess, type LocalProcess } from "../support/local-process";
import { makeKeyPair } from "../support/service-app-keys";
import { launchChromium, openPage, type Watched } from "./browser";

/** The console's service app (client-credentials) form, in Chromium against `npm start` and a fake Okta token endpoint. */
let okta: FakeOktaOAuth;
let dir: string;
let server: LocalProcess;
let browser: Browser;
let w: Watched;

beforeAll(async () => {
  okta = await startFakeOktaOAuth();
  dir = mkdtempSync(join(tmpdir(), "oac-console-oauth-"));
  [server, browser] = await Promise.all([
    startLocalProcess({ env: { DATA_DIR: join(dir, "data"), OKTA_INSECURE_ALLOWLIST: okta.hostPort } }),
    launchChromium(),
  ]);
  w = await openPage(browser);
}, 90_000);

afterAll(async () => {
  await w?.close();
  await browser?.close();
  if (server) {
    server.child.kill("SIGTERM");
    await exited(server.child);
  }
  await okta?.close();
  rmSync(dir, { recursive: true, force: true });
});

const toast = (page: Page, text: string | RegExp) => page.locator(".toast", { hasText: text }).last();

describe("console: OAuth 2.0 service app connections", () => {
  it("adds one with a pasted PEM, then replaces its key with a JWK file; the key is never shown or returned", async () => {
    const first = makeKeyPair("ec");
    const second = makeKeyPair("rsa", { kid: "from-file" });
    okta.register("0oaconsole", first.publicJwk, ["okta.users.read", "okta.groups.read"]);
    const { page } = w;
    await page.goto(`${server.base}/console#token=${server.token}`);
    await page.getByRole("heading", { name: "App Connections" }).waitFor();

    await page.getByRole("button", { name: "+ Add Connection" }).click();
    const panel = page.getByRole("dialog", { name: "Add Connection" });
    await panel.getByRole("button", { name: /Okta/ }).click();
    expect(await panel.getByLabel("Client ID").isVisible()).toBe(false);
    await panel.getByLabel("Method").selectOption("client-credentials");
    expect(await panel.getByLabel("API Token", { exact: true }).isVisible()).toBe(false);

    await panel.getByLabel("Name").fill("console-service-app");
    await panel.getByLabel("Instance URL").fill(okta.origin);
    await panel.getByLabel("Client ID").fill("0oaconsole");
    const scopes = panel.getByLabel("Scopes");
    await scopes.fill("okta.users.read okta.users.read");
    await scopes.blur();
    await panel.getByText("scopes must not list a scope twice").waitFor();
    await scopes.fill("okta.users.read okta.groups.read");
    const submit = panel.getByRole("button", { name: "Connect to Okta" });
    expect(await submit.isDisabled()).toBe(true); // no key yet
    await panel.getByLabel("Private key").fill(first.pem);
    expect(await submit.isDisabled()).toBe(false);
    await submit.click();
    await toast(page, "Successfully added Okta Connection").waitFor();
    const row = page.locator("#rows tr.row-new");
    await row.waitFor();
    expect(await row.textContent()).toContain("Service app");
    const sent = w.apiRequests.find((r) => r.method === "POST" && r.path.endsWith("/okta"))!;
    expect(JSON.parse(sent.body!)).toMatchObject({ method: "client-credentials", credentials: { clientId: "0oaconsole", scopes: ["okta.users.read", "okta.groups.read"] } });
    expect(okta.tokenRequests.at(-1)!.status).toBe(200);

    // Edit credentials: client id and scopes prefilled, the key required again, here from a JWK file.
    okta.register("0oaconsole", second.publicJwk, ["okta.users.read", "okta.groups.read"]);
    await page.getByRole("button", { name: "Actions for console-service-app" }).click();
    await page.getByRole("menuitem", { name: "Edit credentials" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit credentials" });
    expect(await dialog.getByLabel("Client ID").inputValue()).toBe("0oaconsole");
    expect(await dialog.getByLabel("Scopes").inputValue()).toBe("okta.users.read okta.groups.read");
    expect(await dialog.getByLabel("Private key").inputValue()).toBe("");
    expect(await dialog.getByLabel("API Token", { exact: true }).isVisible()).toBe(false);
    const file = join(dir, "key.jwk.json");
    writeFileSync(file, JSON.stringify(second.privateJwk));
    await dialog.getByLabel(/Or choose a key file/).setInputFiles(file);
    await dialog.getByText("Using key.jwk.json").waitFor();
    expect(await dialog.getByLabel("Private key").inputValue()).toBe("");
    await dialog.getByRole("button", { name: "Save credentials" }).click();
    await toast(page, "Updated the credentials of console-service-app").waitFor();
    expect(okta.tokenRequests.at(-1)).toMatchObject({ status: 200, assertionHeader: { alg: "RS256", kid: "from-file" } });

    const answers = (await w.readApiBodies()).join("\n");
    for (const key of [first, second]) {
      expect(answers).not.toContain(key.d);
      expect(await page.content()).not.toContain(key.d);
    }
    expect(answers).toContain('"keyId":"from-file"');
    expect(w.errors).toEqual([]);
  });
});
