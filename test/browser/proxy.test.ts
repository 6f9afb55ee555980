import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mintDevToken, type DevClaims } from "../../functions/local/dev-token";
import { sampleToken, type FakeOkta } from "../support/fake-okta";
import type { LocalProcess } from "../support/local-process";
import { openPage, startConsoleRig, type ConsoleRig, type Watched } from "./browser";

/** The console's proxy dialog in Chromium against `npm start` and a fake Okta: the policy (view, edit) and "Try it". */
let rig: ConsoleRig;
let okta: FakeOkta;
let server: LocalProcess;
let browser: Browser;
const opened: Watched[] = [];
const apiToken = sampleToken("console-proxy");

beforeAll(async () => {
  rig = await startConsoleRig("proxy");
  ({ okta, server, browser } = rig);
  okta.validTokens.add(apiToken);
  okta.route("GET /api/v1/users", () => ({ status: 200, headers: { "x-rate-limit-remaining": "9" }, body: [{ id: "00utry", profile: { login: "try.it@example.com" } }] }));
}, 90_000);

afterEach(async () => {
  for (const w of opened.splice(0)) {
    await w.close();
    expect(w.errors, "console errors").toEqual([]);
    expect(w.apiBodies.join("\n")).not.toContain(apiToken);
  }
});

afterAll(() => rig?.close());

const tokenFor = (claims: Partial<DevClaims>) => mintDevToken(rig.secret, { sub: "tester", orgId: "dev-org", ...claims });

async function connection(projectId: string, name: string) {
  const res = await fetch(`${server.base}/api/v1/app-connections/okta`, {
    method: "POST",
    headers: { authorization: `Bearer ${await tokenFor({ orgRole: "admin" })}`, "content-type": "application/json" },
    body: JSON.stringify({ name, method: "api-token", projectId, credentials: { instanceUrl: okta.origin, apiToken } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { appConnection: { id: string } }).appConnection;
}

async function openProxyDialog(token: string, name: string) {
  const w = await openPage(browser);
  opened.push(w);
  const { page } = w;
  await page.goto(`${server.base}/console#token=${token}`);
  await page.locator('#connections-table[aria-busy="false"]').waitFor({ state: "attached" });
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("menuitem", { name: "Proxy policy and Try it" }).click();
  const dialog = page.getByRole("dialog", { name: "Okta API proxy" });
  await dialog.waitFor();
  return { ...w, dialog };
}

const rulesOf = (page: Page) => page.locator("#proxy-rules");

describe("console proxy dialog", () => {
  it("a project admin sees and edits the policy; a bad rule shows the server's reason", async () => {
    const conn = await connection("edit", "proxied-okta");
    const { page, dialog, apiRequests } = await openProxyDialog(await tokenFor({ projects: { edit: "admin" } }), "proxied-okta");
    expect(await rulesOf(page).inputValue()).toBe("GET /api/v1/**");
    const save = dialog.getByRole("button", { name: "Save policy" });
    expect(await save.isDisabled()).toBe(true); // nothing changed yet

    await rulesOf(page).fill("GET /oauth2/v1/token");
    await save.click();
    await page.locator("#proxy-rules-error", { hasText: "proxy.allow" }).waitFor();

    await rulesOf(page).fill("GET /api/v1/users\nGET /api/v1/users/*\n");
    await save.click();
    await page.locator(".toast", { hasText: "Saved the proxy policy of proxied-okta" }).waitFor();
    const patch = apiRequests.filter((r) => r.method === "PATCH").at(-1)!;
    expect(JSON.parse(patch.body!)).toEqual({ proxy: { allow: ["GET /api/v1/users", "GET /api/v1/users/*"] } });
    expect(patch.ifMatch).toBe('"1"');
    const stored = await fetch(`${server.base}/api/v1/app-connections/okta/${conn.id}`, { headers: { authorization: `Bearer ${await tokenFor({ orgRole: "admin" })}` } });
    expect(((await stored.json()) as { appConnection: { proxy: unknown } }).appConnection.proxy).toEqual({ allow: ["GET /api/v1/users", "GET /api/v1/users/*"] });
  });

  it("Try it sends a GET through the proxy and shows Okta's status and JSON", async () => {
    await connection("try", "try-okta");
    const { page, dialog, apiRequests } = await openProxyDialog(await tokenFor({ projects: { try: "member" } }), "try-okta");
    expect(await rulesOf(page).getAttribute("readonly")).not.toBeNull(); // a member may use, not edit
    expect(await dialog.getByRole("button", { name: "Save policy" }).isHidden()).toBe(true);
    expect(await page.locator("#proxy-rules-reason").textContent()).toContain("only project admins and org admins");
    expect(await page.locator("#proxy-try-path").inputValue()).toBe("/api/v1/users?limit=5");
    await dialog.getByRole("button", { name: "Send GET" }).click();
    await page.locator("#proxy-try-status", { hasText: "Okta answered 200" }).waitFor();
    expect(await page.locator("#proxy-try-body").textContent()).toContain('"login": "try.it@example.com"');
    expect(apiRequests.some((r) => r.method === "GET" && r.path.endsWith("/proxy/api/v1/users?limit=5"))).toBe(true);
    expect(okta.requests.at(-1)!.path).toBe("/api/v1/users?limit=5");

    await page.locator("#proxy-try-path").fill("/api/v1/groups");
    await dialog.getByRole("button", { name: "Send GET" }).click();
    await page.locator("#proxy-try-status", { hasText: "Okta answered 404" }).waitFor();
  });

  it("a viewer sees the policy, may neither edit nor try it", async () => {
    await connection("view", "viewed-okta");
    const { page, dialog } = await openProxyDialog(await tokenFor({ projects: { view: "viewer" } }), "viewed-okta");
    expect(await rulesOf(page).inputValue()).toBe("GET /api/v1/**");
    expect(await rulesOf(page).getAttribute("readonly")).not.toBeNull();
    expect(await dialog.getByRole("button", { name: "Send GET" }).isDisabled()).toBe(true);
    expect(await page.locator("#proxy-try-reason").textContent()).toContain("viewer");
  });
});
