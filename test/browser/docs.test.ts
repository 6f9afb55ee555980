import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness";
import { launchChromium, openPage } from "./browser";

/**
 * `/docs` in a real browser: the API reference renders from this origin alone, under its CSP, and
 * the page asks no other origin for anything (it works offline).
 */
let h: Harness;
let browser: Browser;
beforeAll(async () => {
  [h, browser] = await Promise.all([startHarness(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("/docs in Chromium", () => {
  it("renders the reference of this API, requesting nothing from another origin, with no script blocked by the CSP", async () => {
    const w = await openPage(browser);
    const requested: string[] = [];
    w.page.on("request", (request) => requested.push(request.url()));
    try {
      await w.page.goto(`${h.base}/docs`);
      await w.page.getByText("Okta App Connections", { exact: false }).first().waitFor({ timeout: 20_000 });
      await w.page.getByText("Create an Okta connection", { exact: false }).first().waitFor({ timeout: 10_000 });
      const foreign = requested.filter((url) => !url.startsWith(h.base) && !url.startsWith("data:") && !url.startsWith("blob:"));
      expect(foreign).toEqual([]);
      expect(requested).toContain(`${h.base}/docs/api-reference.js`);
      expect(requested).toContain(`${h.base}/openapi.json`);
      // The bundled zod probes for eval (`try { Function("") } catch {}`) and falls back when the
      // CSP refuses it, as it must: that probe is the one refusal expected. No script is blocked.
      const violations = await w.cspViolations();
      expect(violations.filter((v) => v !== "script-src eval")).toEqual([]);
      expect(w.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 60_000);
});
