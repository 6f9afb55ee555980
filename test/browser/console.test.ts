import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import {
  apiTokenSchema,
  connectionNameSchema,
  descriptionSchema,
  instanceUrlSchema,
} from "../../functions/core/connections/schemas";
import { mintDevToken, type DevClaims } from "../../functions/local/dev-token";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { exited, startLocalProcess, type LocalProcess } from "../support/local-process";
import { contrast, launchChromium, openPage, screenshot, type Watched } from "./browser";

/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against `npm start`
 * (its own DATA_DIR) and a fake Okta on loopback. Tests run in order; each uses its own project
 * scope, except the add flow, which owns the organization scope.
 */
let okta: FakeOkta;
let dataDir: string;
let server: LocalProcess;
let browser: Browser;
let secret: string;
const opened: Watched[] = [];
const allApiBodies: string[] = [];
const typedApiTokens = new Set<string>();

beforeAll(async () => {
  okta = await startFakeOkta();
  dataDir = mkdtempSync(join(tmpdir(), "oac-console-"));
  [server, browser] = await Promise.all([
    startLocalProcess({ env: { DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort } }),
    launchChromium(),
  ]);
  secret = (JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as { authJwtSecret: string }).authJwtSecret;
}, 90_000);

afterEach(async () => {
  for (const w of opened.splice(0)) {
    const csp = await w.cspViolations().catch(() => []);
    await w.close();
    allApiBodies.push(...w.apiBodies);
    expect(w.errors, "console errors").toEqual([]);
    expect(csp, "CSP violations").toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  if (server) {
    server.child.kill("SIGTERM");
    await exited(server.child);
  }
  await okta?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- helpers ----

const tokenFor = (claims: Partial<DevClaims>) => mintDevToken(secret, { sub: "tester", orgId: "dev-org", ...claims });
const projectAdmin = (project: string) => tokenFor({ sub: `admin-of-${project}`, projects: { [project]: "admin" } });

/** An API token Okta (the fake) accepts; remembered so the last test can look for it in responses. */
function goodOktaToken(seed: string) {
  const token = sampleToken(seed);
  okta.validTokens.add(token);
  typedApiTokens.add(token);
  return token;
}

async function api(token: string, method: string, path: string, body?: unknown, ifMatch?: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  if (ifMatch !== undefined) headers["if-match"] = String(ifMatch);
  const response = await fetch(`${server.base}/api/v1/app-connections${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: (await response.json()) as { appConnection: { id: string; version: number; credentialsHash: string; name: string; description: string | null } } };
}

async function createConnection(token: string, projectId: string, name: string, extra: { description?: string; apiToken?: string } = {}) {
  const created = await api(token, "POST", "/okta", {
    name,
    method: "api-token",
    projectId,
    ...(extra.description ? { description: extra.description } : {}),
    credentials: { instanceUrl: okta.origin, apiToken: extra.apiToken ?? goodOktaToken(`${projectId}/${name}`) },
  });
  expect(created.status).toBe(200);
  return created.body.appConnection;
}

async function open(opts?: { width?: number; height?: number }) {
  const w = await openPage(browser, opts);
  opened.push(w);
  return w;
}

const loaded = (page: Page) => page.locator('#connections-table[aria-busy="false"]').waitFor({ state: "attached" });

/** The one-click link `npm start` prints: the token rides in the fragment. */
async function signIn(page: Page, token: string) {
  await page.goto(`${server.base}/console#token=${token}`);
  await page.getByRole("heading", { name: "App Connections" }).waitFor();
  await loaded(page);
}

const toast = (page: Page, text: string | RegExp) => page.locator(".toast", { hasText: text }).last();
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");
const focusedMenuFor = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.menuFor);
const rowNames = (page: Page) => page.locator("#rows tr .name-text").allTextContents();
const messageOf = (schema: z.ZodMiniType, value: unknown) => schema.safeParse(value).error!.issues[0]!.message;

async function openRowAction(page: Page, name: string, action: string) {
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("menuitem", { name: action }).click();
}

async function openOktaForm(page: Page) {
  await page.getByRole("button", { name: "+ Add Connection" }).click();
  const panel = page.getByRole("dialog", { name: "Add Connection" });
  await panel.getByRole("button", { name: /Okta/ }).click();
  return panel;
}

// ---- tests ----

describe("web console", () => {
  it("serves a shell and assets with a strict CSP, no inline script or style, and no auth", async () => {
    const root = await fetch(`${server.base}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console");

    const shell = await fetch(`${server.base}/console`);
    expect(shell.status).toBe(200);
    const csp = shell.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe");
    const html = await shell.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i); // no inline styles or handlers

    for (const [file, type] of [["app.js", "text/javascript"], ["app.css", "text/css"], ["okta.svg", "image/svg+xml"]]) {
      const asset = await fetch(`${server.base}/console/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get("content-type")).toContain(type);
      expect(asset.headers.get("content-security-policy")).toBe(csp);
      const etag = asset.headers.get("etag")!;
      expect((await fetch(`${server.base}/console/${file}`, { headers: { "if-none-match": etag } })).status).toBe(304);
    }
    // The API itself still wants a token.
    expect((await fetch(`${server.base}/api/v1/app-connections/okta`)).status).toBe(401);
  });

  it("signs in from the fragment link without the token reaching a URL, and signing out forgets it", async () => {
    const { page } = await open();
    await signIn(page, server.token);
    expect(page.url()).toBe(`${server.base}/console`);
    expect(await page.evaluate(() => location.hash)).toBe("");
    expect(await page.evaluate(() => sessionStorage.getItem("oac.token"))).toBe(server.token);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(server.token);
    // Printed twice at start (export line and link); never in a logged request path.
    expect(server.output().split(server.token).length - 1).toBe(2);

    await page.reload();
    await page.getByRole("heading", { name: "App Connections" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await focusedId(page)).toBe("signin-token");

    const field = page.getByLabel("Bearer token");
    await field.fill("not-a-token");
    await field.press("Enter");
    await page.locator("#signin-token-error", { hasText: "That is not a bearer token" }).waitFor();
    const forged = server.token.slice(0, -4) + (server.token.endsWith("AAAA") ? "BBBB" : "AAAA");
    await field.fill(forged);
    await field.press("Enter");
    await page.locator("#signin-token-error", { hasText: "The server refused this token" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await field.fill(server.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "App Connections" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("oac.token"))).toBe(server.token);
  });

  it("adds a connection: app picker, Okta form, success toast, highlighted new row", async () => {
    const { page, apiRequests } = await open();
    await signIn(page, server.token); // org admin, organization scope
    await page.getByText("No App Connections have been configured").waitFor();

    await page.getByRole("button", { name: "+ Add Connection" }).click();
    const panel = page.getByRole("dialog", { name: "Add Connection" });
    await panel.waitFor();
    await panel.getByLabel("Search apps").fill("salesforce");
    await panel.getByText("No apps match your search.").waitFor();
    await panel.getByLabel("Search apps").fill("identity");
    const okta_ = panel.getByRole("button", { name: /Okta/ });
    expect(await okta_.textContent()).toContain("Identity — Manage an Okta org via API token");
    await okta_.click();

    expect(await focusedId(page)).toBe("add-name");
    expect(await panel.getByLabel("Name").getAttribute("placeholder")).toBe("my-okta-connection");
    expect(await panel.locator("#add-name-hint").textContent()).toMatch(/lowercase letters, numbers and hyphens/i);
    expect(await panel.getByLabel("Method").inputValue()).toBe("api-token");
    expect(await panel.getByLabel("Method").locator("option").allTextContents()).toEqual(["API Token", "OAuth 2.0 service app (client credentials)"]);
    expect(await panel.getByLabel("Instance URL").getAttribute("placeholder")).toBe("https://example.okta.com");
    const submit = panel.getByRole("button", { name: "Connect to Okta" });
    expect(await submit.isDisabled()).toBe(true);

    const apiToken = goodOktaToken("add-flow");
    await panel.getByLabel("Name").fill("prod-okta");
    await panel.getByLabel("Description").fill("Production Okta org");
    await panel.getByLabel("Instance URL").fill(okta.origin);
    const tokenInput = panel.getByLabel("API Token", { exact: true });
    await tokenInput.fill(apiToken);
    expect(await tokenInput.getAttribute("type")).toBe("password");
    await panel.getByRole("button", { name: "Show API token" }).click();
    expect(await tokenInput.getAttribute("type")).toBe("text");
    await panel.getByRole("button", { name: "Hide API token" }).click();
    expect(await tokenInput.getAttribute("type")).toBe("password");
    expect(await submit.isDisabled()).toBe(false);
    await screenshot(page, "console-add-panel");

    await submit.click();
    await toast(page, "Successfully added Okta Connection").waitFor();
    await panel.waitFor({ state: "hidden" });
    const row = page.locator("#rows tr.row-new");
    await row.waitFor();
    expect(await row.locator(".name-text").textContent()).toBe("prod-okta");
    expect(await row.textContent()).toContain("API Token");
    expect(await row.textContent()).toContain(okta.origin);
    expect(await focusedId(page)).toBe("add-connection");

    const post = apiRequests.find((r) => r.method === "POST");
    expect(JSON.parse(post!.body!)).toEqual({ name: "prod-okta", description: "Production Okta org", credentials: { instanceUrl: okta.origin, apiToken }, method: "api-token" });
    await screenshot(page, "console-added");
  });

  it("checks each field in the browser with the API's own messages before sending", async () => {
    const { page, apiRequests } = await open();
    await signIn(page, await projectAdmin("client-checks"));
    const panel = await openOktaForm(page);
    const submit = panel.getByRole("button", { name: "Connect to Okta" });
    const errorOf = (id: string) => panel.locator(`#${id}-error`);

    const cases: [label: string, id: string, value: string, schema: z.ZodMiniType][] = [
      ["Name", "add-name", "Bad Name", connectionNameSchema],
      ["Name", "add-name", "", connectionNameSchema],
      ["Name", "add-name", "a".repeat(65), connectionNameSchema],
      ["Description", "add-description", "d".repeat(257), descriptionSchema],
      ["Instance URL", "add-instance-url", "not a url", instanceUrlSchema],
      ["Instance URL", "add-instance-url", "https://acme.okta.com/app/home", instanceUrlSchema],
      ["Instance URL", "add-instance-url", `https://acme.okta.com/${"a".repeat(250)}`, instanceUrlSchema],
      ["API Token", "add-api-token", "00short", apiTokenSchema],
    ];
    for (const [label, id, value, schema] of cases) {
      const input = panel.getByLabel(label, { exact: label !== "Description" });
      await input.fill(value === "" ? "x" : value);
      if (value === "") await input.fill("");
      await input.blur();
      expect(await errorOf(id).textContent(), `${label} = ${value.slice(0, 20)}`).toBe(messageOf(schema, value));
      expect(await input.getAttribute("aria-invalid")).toBe("true");
      expect(await input.getAttribute("aria-describedby")).toContain(`${id}-error`);
      expect(await submit.isDisabled()).toBe(true);
    }
    await screenshot(page, "console-client-errors");

    await panel.getByLabel("Name").fill("fine-name");
    await panel.getByLabel("Description").fill("");
    await panel.getByLabel("Instance URL").fill("https://acme.okta.com/");
    await panel.getByLabel("API Token", { exact: true }).fill(sampleToken("client-checks"));
    for (const id of ["add-name", "add-description", "add-instance-url", "add-api-token"]) expect(await errorOf(id).isHidden()).toBe(true);
    expect(await submit.isDisabled()).toBe(false);
    expect(apiRequests.filter((r) => r.method === "POST")).toEqual([]);
  });

  it("puts server errors on the right field, and any other error in one toast with the request id", async () => {
    const token = await projectAdmin("server-errors");
    await createConnection(token, "server-errors", "taken");
    const { page } = await open();
    await signIn(page, token);
    const panel = await openOktaForm(page);
    const submit = panel.getByRole("button", { name: "Connect to Okta" });

    // InvalidInstanceUrl -> Instance URL (plain http: only the server's guard knows the allowlist).
    // The admin-console host never gets this far: the browser flags it when the field is left.
    await panel.getByLabel("Name").fill("new-one");
    await panel.getByLabel("Instance URL").fill("http://acme.okta.com");
    await panel.getByLabel("API Token", { exact: true }).fill(goodOktaToken("server-errors"));
    await submit.click();
    await panel.locator("#add-instance-url-error", { hasText: "instanceUrl must use https" }).waitFor();
    expect(await focusedId(page)).toBe("add-instance-url");
    expect(await submit.isDisabled()).toBe(true); // until the field changes

    // InvalidCredentials -> API Token, with Okta's reason.
    await panel.getByLabel("Instance URL").fill(okta.origin);
    await panel.getByLabel("API Token", { exact: true }).fill(sampleToken("okta-does-not-know-this-one"));
    await submit.click();
    await panel.locator("#add-api-token-error", { hasText: "Invalid token provided" }).waitFor();
    expect(await focusedId(page)).toBe("add-api-token");
    await screenshot(page, "console-error");

    // Conflict -> Name.
    await panel.getByLabel("API Token", { exact: true }).fill(goodOktaToken("server-errors"));
    await panel.getByLabel("Name").fill("taken");
    await submit.click();
    await panel.locator("#add-name-error", { hasText: /taken|exists|already/i }).waitFor();
    expect(await focusedId(page)).toBe("add-name");

    // Anything else (Okta is down: 502) -> one toast with the request id; no field is blamed.
    okta.respondWith(() => ({ status: 503, body: { errorSummary: "down" } }));
    try {
      await panel.getByLabel("Name").fill("when-okta-is-down");
      const answer = page.waitForResponse((r) => r.request().method() === "POST");
      await submit.click();
      const reqId = (await answer).headers()["x-request-id"]!;
      const alert = page.locator(".toast-error", { hasText: `(request id: ${reqId})` });
      await alert.waitFor();
      expect(await alert.getAttribute("role")).toBe("alert");
      // Shown above the open panel (inside its top layer), not behind the modal's backdrop.
      expect(await panel.locator(".toast-error").count()).toBe(1);
      expect(await page.locator(".toast-error").count()).toBe(1);
      for (const id of ["add-name", "add-instance-url", "add-api-token"]) expect(await panel.locator(`#${id}-error`).isHidden()).toBe(true);
    } finally {
      okta.respondWith(null);
    }
  });

  it("asks before discarding a half-filled panel and returns focus to Add Connection", async () => {
    const { page } = await open();
    await signIn(page, await projectAdmin("discard"));
    const panel = await openOktaForm(page);
    await panel.getByLabel("Name").fill("half-done");
    await page.keyboard.press("Escape");
    const ask = page.getByRole("alertdialog", { name: "Discard this connection?" });
    await ask.waitFor();
    expect(await focusedId(page)).toBe("discard-keep");
    await ask.getByRole("button", { name: "Keep editing" }).click();
    await ask.waitFor({ state: "hidden" });
    expect(await panel.isVisible()).toBe(true);
    expect(await panel.getByLabel("Name").inputValue()).toBe("half-done");

    await panel.getByRole("button", { name: "Close" }).click();
    await ask.getByRole("button", { name: "Discard" }).click();
    await panel.waitFor({ state: "hidden" });
    expect(await focusedId(page)).toBe("add-connection");

    // Nothing typed: closes at once.
    await openOktaForm(page);
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "hidden" });
    expect(await ask.isVisible()).toBe(false);
  });

  it("edits details with If-Match, and explains a 412 with a reload", async () => {
    const token = await projectAdmin("edit");
    const conn = await createConnection(token, "edit", "edit-me", { description: "first" });
    const { page, apiRequests } = await open();
    await signIn(page, token);

    // The menu works from the keyboard.
    const menuButton = page.getByRole("button", { name: "Actions for edit-me" });
    await menuButton.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("menu").waitFor();
    expect(await menuButton.getAttribute("aria-expanded")).toBe("true");
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Edit details");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Edit details" });
    await dialog.waitFor();
    expect(await dialog.getByLabel("Name").inputValue()).toBe("edit-me");
    expect(await dialog.getByLabel("Description").inputValue()).toBe("first");
    const save = dialog.getByRole("button", { name: "Save details" });
    expect(await save.isDisabled()).toBe(true);

    await dialog.getByLabel("Description").fill("second");
    await save.click();
    await toast(page, "Saved edit-me").waitFor();
    await dialog.waitFor({ state: "hidden" });
    expect(await focusedMenuFor(page)).toBe(conn.id);
    const patch = apiRequests.filter((r) => r.method === "PATCH");
    expect(patch.map((r) => [r.ifMatch, JSON.parse(r.body!)])).toEqual([['"1"', { description: "second" }]]);

    // Someone else saves in between: the page's version is stale.
    await openRowAction(page, "edit-me", "Edit details");
    expect((await api(token, "PATCH", `/okta/${conn.id}`, { description: "third" }, 2)).status).toBe(200);
    await dialog.getByLabel("Name").fill("edit-me-renamed");
    await save.click();
    const alert = dialog.getByRole("alert");
    await alert.filter({ hasText: "changed by someone else — reload" }).waitFor();
    expect(apiRequests.filter((r) => r.method === "PATCH").at(-1)!.ifMatch).toBe('"2"');
    await screenshot(page, "console-412");
    await alert.getByRole("button", { name: "Reload" }).click();
    await alert.waitFor({ state: "hidden" });
    expect(await dialog.getByLabel("Description").inputValue()).toBe("third");
    expect(await dialog.getByLabel("Name").inputValue()).toBe("edit-me");
    await dialog.getByLabel("Name").fill("edit-me-renamed");
    await save.click();
    await toast(page, "Saved edit-me-renamed").waitFor();
    expect(apiRequests.filter((r) => r.method === "PATCH").at(-1)!.ifMatch).toBe('"3"');
    await page.locator("#rows .name-text", { hasText: "edit-me-renamed" }).waitFor();
    expect(await focusedMenuFor(page)).toBe(conn.id);

    // Escape closes too, and focus still returns to the row's menu button.
    await openRowAction(page, "edit-me-renamed", "Edit details");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await focusedMenuFor(page)).toBe(conn.id);
  });

  it("edits again from a row drawn before the save's reload came back, with the version it wrote", async () => {
    const token = await projectAdmin("stale-row");
    const conn = await createConnection(token, "stale-row", "quick-edit", { description: "first" });
    const { page, apiRequests } = await open();
    await signIn(page, token);

    // Hold every list request from now on: the table keeps showing the row as it was before the save.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const LIST = /\/api\/v1\/app-connections\/okta\?/;
    await page.route(LIST, async (route) => {
      await held;
      await route.continue();
    });
    const dialog = page.getByRole("dialog", { name: "Edit details" });
    await openRowAction(page, "quick-edit", "Edit details");
    await dialog.getByLabel("Description").fill("second");
    await dialog.getByRole("button", { name: "Save details" }).click();
    await toast(page, "Saved quick-edit").waitFor();
    await dialog.waitFor({ state: "hidden" });

    await openRowAction(page, "quick-edit", "Edit details");
    expect(await dialog.getByLabel("Description").inputValue()).toBe("second");
    await dialog.getByLabel("Name").fill("quick-edit-2");
    await dialog.getByRole("button", { name: "Save details" }).click();
    await toast(page, "Saved quick-edit-2").waitFor();
    expect(apiRequests.filter((r) => r.method === "PATCH").map((r) => r.ifMatch)).toEqual(['"1"', '"2"']);

    release(); // the held lists now go through, and so does every later one
    await page.locator("#rows .name-text", { hasText: "quick-edit-2" }).waitFor();
    expect((await api(token, "GET", `/okta/${conn.id}`)).body.appConnection).toMatchObject({ name: "quick-edit-2", description: "second", version: 3 });
  });

  it("edits credentials: URL prefilled, a new token required, Okta's refusal on the token field", async () => {
    const token = await projectAdmin("creds");
    const conn = await createConnection(token, "creds", "rotate-me");
    const { page, apiRequests } = await open();
    await signIn(page, token);
    await openRowAction(page, "rotate-me", "Edit credentials");
    const dialog = page.getByRole("dialog", { name: "Edit credentials" });
    await dialog.waitFor();
    expect(await dialog.getByLabel("Instance URL").inputValue()).toBe(okta.origin);
    const tokenInput = dialog.getByLabel("API Token", { exact: true });
    expect(await tokenInput.inputValue()).toBe("");
    expect(await focusedId(page)).toBe("credentials-api-token");
    const save = dialog.getByRole("button", { name: "Save credentials" });
    expect(await save.isDisabled()).toBe(true);

    await tokenInput.fill(sampleToken("revoked-in-okta"));
    await save.click();
    await dialog.locator("#credentials-api-token-error", { hasText: "Invalid token provided" }).waitFor();

    const fresh = goodOktaToken("creds-rotated");
    await tokenInput.fill(fresh);
    await save.click();
    await toast(page, "Updated the credentials of rotate-me").waitFor();
    expect(await focusedMenuFor(page)).toBe(conn.id);
    const sent = apiRequests.filter((r) => r.method === "PATCH").at(-1)!;
    expect(sent.ifMatch).toBe('"1"');
    expect(JSON.parse(sent.body!)).toEqual({ credentials: { instanceUrl: okta.origin, apiToken: fresh } });
    const after = (await api(token, "GET", `/okta/${conn.id}`)).body.appConnection;
    expect(after.version).toBe(2);
    expect(after.credentialsHash).not.toBe(conn.credentialsHash);
  });

  it("validates now: valid, then invalid with Okta's reason and the time", async () => {
    const token = await projectAdmin("validate");
    const apiToken = goodOktaToken("validate-me");
    const conn = await createConnection(token, "validate", "check-me", { apiToken });
    const { page } = await open();
    await signIn(page, token);
    const dialog = page.getByRole("dialog", { name: "Validate connection" });

    await openRowAction(page, "check-me", "Validate now");
    await dialog.locator(".status-valid", { hasText: "Valid" }).waitFor();
    expect(await dialog.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await dialog.textContent()).toContain("Checked at");
    await dialog.getByRole("button", { name: "Close" }).last().click();
    expect(await focusedMenuFor(page)).toBe(conn.id);

    okta.validTokens.delete(apiToken);
    await openRowAction(page, "check-me", "Validate now");
    await dialog.locator(".status-invalid", { hasText: "Invalid — " }).waitFor();
    expect(await dialog.textContent()).toContain("Invalid token provided");
    expect(await dialog.textContent()).toContain("InvalidCredentials");
    await page.keyboard.press("Escape");
    expect(await focusedMenuFor(page)).toBe(conn.id);
  });

  it("deletes only after the name is typed, and shows errors inside the dialog", async () => {
    const token = await projectAdmin("delete");
    const conn = await createConnection(token, "delete", "delete-me");
    const { page } = await open();
    await signIn(page, token);
    await openRowAction(page, "delete-me", "Delete");
    const dialog = page.getByRole("dialog", { name: "Delete connection" });
    await dialog.waitFor();
    const remove = dialog.getByRole("button", { name: "Delete" });
    const confirm = dialog.getByLabel("Type the connection's name to confirm");
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill("delete-m");
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill("delete-me");
    expect(await remove.isDisabled()).toBe(false);

    // Changed meanwhile: the error stays in the dialog, with a reload.
    expect((await api(token, "PATCH", `/okta/${conn.id}`, { description: "changed" }, 1)).status).toBe(200);
    await remove.click();
    const alert = dialog.getByRole("alert");
    await alert.filter({ hasText: "changed by someone else — reload" }).waitFor();
    await alert.getByRole("button", { name: "Reload" }).click();
    await alert.waitFor({ state: "hidden" });

    await remove.click();
    await toast(page, "Deleted delete-me").waitFor();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("No App Connections have been configured").waitFor();
    expect((await api(token, "GET", `/okta/${conn.id}`)).status).toBe(404);
  });

  it("shows a viewer every action it may not take as disabled, with the reason", async () => {
    const admin = await projectAdmin("shared");
    const conn = await createConnection(admin, "shared", "shared-okta", { description: "Shared by the platform team" });
    const w = await open();
    const { page } = w;
    await w.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    await signIn(page, await tokenFor({ sub: "vera", projects: { shared: "viewer" } }));
    expect(await page.getByLabel("Scope", { exact: true }).inputValue()).toBe("project:shared");

    const add = page.getByRole("button", { name: "+ Add Connection" });
    expect(await add.getAttribute("aria-disabled")).toBe("true");
    const reason = await page.locator("#add-reason").textContent();
    expect(reason).toBe("Your role in project shared is viewer: only project admins and org admins can add, edit or delete connections.");
    expect(await add.getAttribute("aria-describedby")).toBe("add-reason");
    await add.focus(); // aria-disabled keeps it focusable; activating it only repeats the reason
    await page.keyboard.press("Enter");
    await toast(page, reason!).waitFor();
    expect(await page.locator("dialog[open]").count()).toBe(0);

    await page.getByRole("button", { name: "Actions for shared-okta" }).click();
    for (const item of ["Edit details", "Edit credentials", "Delete"]) {
      const entry = page.getByRole("menuitem", { name: item });
      expect(await entry.getAttribute("aria-disabled"), item).toBe("true");
      expect(await entry.textContent()).toContain("Project admins and org admins only");
      const description = await entry.getAttribute("aria-describedby");
      expect(await page.locator(`#${description}`).textContent()).toBe("Project admins and org admins only");
    }
    const validate = page.getByRole("menuitem", { name: "Validate now" });
    expect(await validate.getAttribute("aria-disabled")).toBe("true");
    expect(await validate.textContent()).toContain("Project members, project admins and org admins only");
    await page.getByRole("menuitem", { name: "Delete" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.locator("dialog[open]").count()).toBe(0);
    expect(await page.getByRole("menu").isVisible()).toBe(true);
    await screenshot(page, "console-viewer-menu");

    const copy = page.getByRole("menuitem", { name: "Copy connection ID" });
    expect(await copy.getAttribute("aria-disabled")).toBeNull();
    await copy.click();
    await toast(page, "Copied the ID of shared-okta").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(conn.id);

    // At the organization level, a member may read but not add.
    await page.getByLabel("Scope", { exact: true }).selectOption("org");
    await loaded(page);
    expect(await page.locator("#add-reason").textContent()).toMatch(/^Only org admins can add, edit or delete connections at the organization level/);

    // A project member may validate, not edit.
    const member = await open();
    await signIn(member.page, await tokenFor({ sub: "mo", projects: { shared: "member" } }));
    await member.page.getByRole("button", { name: "Actions for shared-okta" }).click();
    expect(await member.page.getByRole("menuitem", { name: "Validate now" }).getAttribute("aria-disabled")).toBeNull();
    expect(await member.page.getByRole("menuitem", { name: "Edit details" }).getAttribute("aria-disabled")).toBe("true");
  });

  it("searches, sorts from the keyboard with aria-sort, remembers the page size, shows placeholders while loading", async () => {
    const token = await projectAdmin("many");
    for (let i = 1; i <= 12; i++) {
      await createConnection(token, "many", `conn-${String(i).padStart(2, "0")}`, i === 3 ? { description: "The third one" } : {});
    }
    const { page } = await open();
    let release: () => void = () => undefined;
    const held = new Promise<void>((done) => (release = done));
    await page.route(/\/api\/v1\/app-connections\/okta\?/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.base}/console#token=${token}`);
    await page.locator("#connections-table[aria-busy=true] tr.placeholder-row").first().waitFor();
    expect(await page.locator("tr.placeholder-row").count()).toBe(4);
    release();
    await loaded(page);
    await page.unroute(/\/api\/v1\/app-connections\/okta\?/);

    const nameHeader = page.locator("th[data-col=name]");
    expect(await nameHeader.getAttribute("aria-sort")).toBe("ascending");
    expect((await rowNames(page)).slice(0, 3)).toEqual(["conn-01", "conn-02", "conn-03"]);
    expect(await page.locator("#page-range").textContent()).toBe("1–10 of 12");
    await screenshot(page, "console-list");

    // Keyboard: Enter on Name flips it; Tab to Created, Space sorts by it.
    await page.locator("[data-sort=name]").focus();
    await page.keyboard.press("Enter");
    expect(await nameHeader.getAttribute("aria-sort")).toBe("descending");
    expect((await rowNames(page))[0]).toBe("conn-12");
    expect(await page.locator("#sort-status").textContent()).toBe("Sorted by Name, descending");
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.sort)).toBe("createdAt");
    await page.keyboard.press(" ");
    expect(await page.locator("th[data-col=createdAt]").getAttribute("aria-sort")).toBe("ascending");
    expect(await nameHeader.getAttribute("aria-sort")).toBe("none");
    expect((await rowNames(page))[0]).toBe("conn-01");
    await page.keyboard.press("Enter");
    expect((await rowNames(page))[0]).toBe("conn-12");

    // Page size: remembered across reloads (localStorage).
    await page.getByLabel("Next page").click();
    expect(await page.locator("#page-range").textContent()).toBe("11–12 of 12");
    await page.getByLabel("Rows per page").selectOption("25");
    expect(await page.locator("#rows tr").count()).toBe(12);
    await page.reload();
    await loaded(page);
    expect(await page.getByLabel("Rows per page").inputValue()).toBe("25");
    expect(await page.locator("#page-range").textContent()).toBe("1–12 of 12");

    // Search: name, app, method; and the "no match" empty state.
    const search = page.getByLabel("Search connections");
    await search.fill("conn-1");
    expect(await rowNames(page)).toEqual(["conn-10", "conn-11", "conn-12"]);
    await search.fill("API TOKEN");
    expect(await page.locator("#rows tr").count()).toBe(12);
    await search.fill("okta");
    expect(await page.locator("#rows tr").count()).toBe(12);
    await search.fill("no-such-thing");
    await page.getByText("No App Connections match search").waitFor();
    expect(await page.getByText("No App Connections have been configured").count()).toBe(0);
    await screenshot(page, "console-no-match");
    await search.fill("");

    // The description shows on focus, tied to the name.
    const described = page.locator(".name-text", { hasText: "conn-03" });
    await described.focus();
    const tip = page.locator(`#${await described.getAttribute("aria-describedby")}`);
    expect(await tip.textContent()).toBe("The third one");
    expect(await tip.evaluate((el) => getComputedStyle(el).visibility)).toBe("visible");
  });

  it("is usable at phone width", async () => {
    const { page } = await open({ width: 390, height: 844 });
    await signIn(page, await projectAdmin("many"));
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "console-phone-list");
    // The Instance URL column gives way to a line under the name.
    expect(await page.locator("th.col-instanceUrl").isVisible()).toBe(false);
    expect(await page.locator("#rows tr .name-url").first().textContent()).toBe(okta.origin);
    expect(await page.locator("#rows tr .name-url").first().isVisible()).toBe(true);
    const panel = await openOktaForm(page);
    const box = (await panel.boundingBox())!;
    expect(box.x).toBe(0); // full width
    expect(box.width).toBe(390);
    const submit = panel.getByRole("button", { name: "Connect to Okta" });
    await submit.scrollIntoViewIfNeeded(); // the panel scrolls; its last button is reachable
    const submitBox = (await submit.boundingBox())!;
    expect(submitBox.x + submitBox.width).toBeLessThanOrEqual(390);
    expect(submitBox.y + submitBox.height).toBeLessThanOrEqual(844);
    await screenshot(page, "console-phone-add");
  });

  it("ties every label to its control, shows focus, and keeps text contrast at WCAG AA", async () => {
    const { page } = await open();
    await signIn(page, await projectAdmin("many"));
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>("input, select, textarea")]
        .filter((el) => el.labels?.length === 0 && !el.getAttribute("aria-label"))
        .map((el) => el.id || el.outerHTML),
    );
    expect(unlabelled).toEqual([]);

    await page.locator("#search").focus();
    await page.keyboard.press("Shift+Tab");
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { id: el.id, style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline.id).toBe("add-connection");
    expect(outline.style).toBe("solid");
    expect(outline.width).toBe("2px");

    const colours = await page.evaluate(() => {
      const pair = (selector: string, bgSelector = selector) => {
        const fg = getComputedStyle(document.querySelector(selector)!).color;
        let node: Element | null = document.querySelector(bgSelector);
        let bg = "rgba(0, 0, 0, 0)";
        while (node && /rgba\(.*, 0\)$|transparent/.test(bg)) {
          bg = getComputedStyle(node).backgroundColor;
          node = node.parentElement;
        }
        return { selector, fg, bg };
      };
      return [pair("body"), pair("#scope-lede"), pair("th button"), pair("#rows td"), pair("#add-connection"), pair("#page-range"), pair(".whoami")];
    });
    for (const { selector, fg, bg } of colours) expect(contrast(fg, bg), `${selector}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  });

  it("lets an org admin open any project by id, remembers recent ones, and keeps the scope across a reload", async () => {
    const admin = await projectAdmin("typed-project");
    await createConnection(admin, "typed-project", "typed-okta");
    const { page } = await open();
    await signIn(page, server.token); // org admin of dev-org; its token names no project
    const scope = page.getByLabel("Scope", { exact: true });
    // Listed: the token names no project, and "brand-new" has no connection the list could show.
    expect(await scope.locator('option[value="project:brand-new"]').count()).toBe(0);
    const input = page.getByLabel("Open a project by id");
    await input.fill("not a project!");
    await input.press("Enter");
    await page.locator("#project-input-error", { hasText: "projectId must be 1-128 letters" }).waitFor();
    expect(await input.getAttribute("aria-invalid")).toBe("true");

    await input.fill("typed-project");
    await input.press("Enter");
    await loaded(page);
    expect(await scope.inputValue()).toBe("project:typed-project");
    expect(await rowNames(page)).toEqual(["typed-okta"]);
    expect(await page.locator("#scope-lede").textContent()).toBe("Okta connections of project typed-project (you: org admin).");
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem("oac.recentProjects.dev-org") ?? "[]"))).toEqual(["typed-project"]);
    expect(await page.locator("#recent-projects option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(["typed-project"]);

    // A project with nothing in it yet can be opened too (to add its first connection).
    await input.fill("brand-new");
    await input.press("Enter");
    await loaded(page);
    expect(await scope.inputValue()).toBe("project:brand-new");
    await page.getByText("No App Connections have been configured").waitFor();

    await page.reload();
    await loaded(page);
    expect(await scope.inputValue()).toBe("project:brand-new");
    await scope.selectOption("org");
    await loaded(page);
    await page.reload();
    await loaded(page);
    expect(await scope.inputValue()).toBe("org");
    expect(await scope.locator('option[value="project:brand-new"]').count(), "recent projects stay offered").toBe(1);
    await scope.selectOption("project:typed-project");
    await loaded(page);
    expect(await rowNames(page)).toEqual(["typed-okta"]);

    // A project admin has no such field: only org admins may reach projects their token does not name.
    const other = await open();
    await signIn(other.page, admin);
    expect(await other.page.locator("#project-form").isHidden()).toBe(true);
  });

  it("Search apps: Enter picks the only match, and the arrow keys move through the list", async () => {
    const { page } = await open();
    await signIn(page, await projectAdmin("app-keys"));
    await page.getByRole("button", { name: "+ Add Connection" }).click();
    const panel = page.getByRole("dialog", { name: "Add Connection" });
    const search = panel.getByLabel("Search apps");
    await panel.getByRole("button", { name: /Okta/ }).waitFor();
    expect(await focusedId(page)).toBe("app-search");

    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.app)).toBe("okta");
    await page.keyboard.press("ArrowDown"); // the last option stays focused
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.app)).toBe("okta");
    await page.keyboard.press("ArrowUp");
    expect(await focusedId(page)).toBe("app-search");

    await search.fill("salesforce");
    await search.press("Enter"); // no match: nothing happens
    expect(await panel.locator("#add-form").isHidden()).toBe(true);
    await search.fill("okt");
    await search.press("Enter");
    await panel.locator("#add-form").waitFor();
    expect(await focusedId(page)).toBe("add-name");
  });

  it("keeps long names and URLs from breaking the table: cut with an ellipsis, whole on hover and focus", async () => {
    const admin = await projectAdmin("long-values");
    const longName = `l${"o".repeat(58)}-name`;
    expect(longName).toHaveLength(64);
    await createConnection(admin, "long-values", longName);
    const longUrl = `https://${"a".repeat(60)}.${"b".repeat(60)}.okta.com`;
    const { page } = await open();
    // The API only stores URLs it reached; the long one is put into the real list answer on its way to the page.
    await page.route(/\/api\/v1\/app-connections\/okta\?/, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { appConnections: { credentials: { instanceUrl: string } }[] };
      for (const c of body.appConnections) c.credentials.instanceUrl = longUrl;
      await route.fulfill({ response, json: body });
    });
    await signIn(page, admin);
    const fits = await page.evaluate(() => {
      const wrap = document.querySelector(".table-wrap")!;
      return wrap.scrollWidth <= wrap.clientWidth;
    });
    expect(fits, "the table scrolls sideways").toBe(true);
    for (const [selector, full] of [["#rows .name-text", longName], ["#rows .url-text", longUrl]] as const) {
      const cell = page.locator(selector).first();
      expect(await cell.textContent()).toBe(full);
      expect(await cell.getAttribute("title")).toBe(full);
      expect(await cell.getAttribute("tabindex")).toBe("0");
      const cut = await cell.evaluate((el) => ({ overflow: getComputedStyle(el).textOverflow, cut: el.scrollWidth > el.clientWidth }));
      expect(cut, selector).toEqual({ overflow: "ellipsis", cut: true });
      await cell.focus();
      expect(await cell.evaluate((el) => el.scrollWidth <= el.clientWidth), `${selector} whole on focus`).toBe(true);
    }
    await screenshot(page, "console-long-values");
  });

  it("shows commands as code in the sign-in card, and flags the admin-console host as soon as the URL field is left", async () => {
    const { page } = await open();
    await page.goto(`${server.base}/console`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const card = page.locator(".signin-card");
    expect(await card.textContent()).not.toContain("`");
    expect(await card.locator("code").allTextContents()).toEqual(["npm run token", "npm start"]);

    const signedIn = await open();
    await signIn(signedIn.page, await projectAdmin("admin-host"));
    const panel = await openOktaForm(signedIn.page);
    const url = panel.getByLabel("Instance URL");
    await url.focus();
    await signedIn.page.keyboard.type("https://acme-admin.okta.com");
    await panel.getByLabel("Name").focus(); // leave the field: no submit
    const error = panel.locator("#add-instance-url-error");
    await error.waitFor();
    expect(await error.textContent()).toBe("Use the Okta API URL https://acme.okta.com, not the admin console https://acme-admin.okta.com");
    expect(await url.getAttribute("aria-invalid")).toBe("true");
    expect(await panel.getByRole("button", { name: "Connect to Okta" }).isDisabled()).toBe(true);
    // The same words the API answers with.
    await url.fill("https://acme.oktapreview.com");
    expect(await error.isHidden()).toBe(true);
  });

  it("never receives an Okta API token back from the API", () => {
    expect(allApiBodies.length).toBeGreaterThan(20);
    expect(typedApiTokens.size).toBeGreaterThan(5);
    for (const body of allApiBodies) for (const token of typedApiTokens) expect(body).not.toContain(token);
  });
});
