import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintDevToken } from "../../functions/local/dev-token";
import { sampleToken, type FakeOkta } from "../support/fake-okta";
import type { LocalProcess } from "../support/local-process";
import { openPage, startConsoleRig, type ConsoleRig, type Watched } from "./browser";

/** The console's Health column, filter and validate, in Chromium against `npm start` (its own DATA_DIR). */
let rig: ConsoleRig;
let okta: FakeOkta;
let server: LocalProcess;
let browser: Browser;
let token: string;
let watched: Watched | undefined;

beforeAll(async () => {
  rig = await startConsoleRig("health");
  ({ okta, server, browser } = rig);
  token = await mintDevToken(rig.secret, { sub: "health-admin", orgId: "dev-org", projects: { health: "admin" } });
}, 90_000);

afterAll(async () => {
  if (watched) {
    const csp = await watched.cspViolations().catch(() => []);
    await watched.close();
    expect(watched.errors, "console errors").toEqual([]);
    expect(csp, "CSP violations").toEqual([]);
  }
  await rig?.close();
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.base}/api/v1/app-connections${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function create(name: string) {
  const apiToken = sampleToken(`console-health/${name}`);
  okta.validTokens.add(apiToken);
  const created = await api("POST", "/okta", { name, method: "api-token", projectId: "health", credentials: { instanceUrl: okta.origin, apiToken } });
  expect(created.status).toBe(200);
  return { connection: created.body.appConnection, apiToken };
}

const rowNames = (page: Page) => page.locator("#rows tr .name-text").allTextContents();
const badge = (page: Page, name: string) => page.locator("#rows tr", { hasText: name }).locator(".health-badge");

describe("console health", () => {
  it("shows a Health badge with the reason on focus and the last check, filters by health, and validate updates it", async () => {
    await create("fine-org");
    const broken = await create("broken-org");
    okta.validTokens.delete(broken.apiToken);
    const verdict = await api("POST", `/okta/${broken.connection.id}/validate`);
    expect(verdict.body.valid).toBe(false);

    watched = await openPage(browser);
    const page = watched.page;
    await page.goto(`${server.base}/console#token=${token}`);
    await page.locator('#connections-table[aria-busy="false"]').waitFor({ state: "attached" });
    await page.locator("#rows tr", { hasText: "broken-org" }).waitFor();

    expect(await page.getByRole("columnheader", { name: "Health" }).count()).toBe(1);
    expect(await badge(page, "fine-org").textContent()).toBe("Healthy");
    expect(await badge(page, "broken-org").textContent()).toBe("Unhealthy");
    const checked = page.locator("#rows tr", { hasText: "broken-org" }).locator("time.health-checked");
    expect(await checked.getAttribute("datetime")).toBe(verdict.body.checkedAt);

    await badge(page, "broken-org").focus();
    const tip = page.locator("#rows tr", { hasText: "broken-org" }).getByRole("tooltip");
    await tip.waitFor({ state: "visible" });
    expect(await tip.textContent()).toContain("InvalidCredentials: Okta rejected the API token");
    const describedBy = await badge(page, "broken-org").getAttribute("aria-describedby");
    expect(await tip.getAttribute("id")).toBe(describedBy);

    await page.getByLabel("Health").selectOption("unhealthy");
    expect(await rowNames(page)).toEqual(["broken-org"]);
    await page.getByLabel("Health").selectOption("healthy");
    expect(await rowNames(page)).toEqual(["fine-org"]);
    await page.getByLabel("Health").selectOption("");
    expect((await rowNames(page)).sort()).toEqual(["broken-org", "fine-org"]);

    okta.validTokens.add(broken.apiToken);
    await page.getByRole("button", { name: "Actions for broken-org" }).click();
    await page.getByRole("menuitem", { name: "Validate now" }).click();
    const dialog = page.getByRole("dialog", { name: "Validate connection" });
    await dialog.locator(".status-valid", { hasText: "Valid" }).waitFor();
    await page.locator("#rows tr", { hasText: "broken-org" }).locator('.health-badge[data-health="healthy"]').waitFor();
    expect(await badge(page, "broken-org").textContent()).toBe("Healthy");
  });
});
