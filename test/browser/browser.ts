import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { exited, ROOT, startLocalProcess, type LocalProcess } from "../support/local-process";

/** Debian's Chromium (apt-get install chromium); playwright's own browser download does not work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test-artifacts");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** What a page did that a test may want to check afterwards. */
export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, minus Chrome's note for every 4xx/5xx fetch. */
  errors: string[];
  /** Bodies of every /api response the page received and whose body has been read so far. */
  apiBodies: string[];
  /** The same, once every body already received has been read (reading one is asynchronous). */
  readApiBodies(): Promise<string[]>;
  /** Every /api request: method, path, If-Match. */
  apiRequests: { method: string; path: string; ifMatch?: string; body?: string }[];
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

/** A fresh context (its own sessionStorage and localStorage) and page, with watchers attached. */
export async function openPage(browser: Browser, opts: { width?: number; height?: number } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
  context.setDefaultTimeout(5_000); // fail with the locator that did not show, well before vitest's timeout
  const page = await context.newPage();
  const errors: string[] = [];
  const apiBodies: string[] = [];
  const apiRequests: Watched["apiRequests"] = [];
  const pending: Promise<unknown>[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/api/")) {
      apiRequests.push({ method: request.method(), path: url.pathname + url.search, ifMatch: request.headers()["if-match"], body: request.postData() ?? undefined });
    }
  });
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/api/")) pending.push(response.text().then((t) => apiBodies.push(t), () => undefined));
  });
  // Runs before the page's own script, outside its CSP (injected by the browser, not the page).
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return {
    page,
    context,
    errors,
    apiBodies,
    readApiBodies: async () => {
      await Promise.all(pending);
      return apiBodies;
    },
    apiRequests,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp ?? []),
    close: async () => {
      await Promise.all(pending);
      await context.close();
    },
  };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** WCAG contrast ratio of two `rgb(...)` colours. */
export function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** `npm start` on a DATA_DIR of its own, a fake Okta it may call, and Chromium: what a console test drives. */
export interface ConsoleRig {
  okta: FakeOkta;
  server: LocalProcess;
  browser: Browser;
  /** The HS256 secret the server generated (to mint tokens of any role). */
  secret: string;
  close(): Promise<void>;
}

export async function startConsoleRig(name: string): Promise<ConsoleRig> {
  const okta = await startFakeOkta();
  const dataDir = mkdtempSync(join(tmpdir(), `oac-console-${name}-`));
  const [server, browser] = await Promise.all([
    startLocalProcess({ env: { DATA_DIR: dataDir, OKTA_INSECURE_ALLOWLIST: okta.hostPort } }),
    launchChromium(),
  ]);
  const secret = (JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as { authJwtSecret: string }).authJwtSecret;
  return {
    okta,
    server,
    browser,
    secret,
    async close() {
      await browser.close();
      server.child.kill("SIGTERM");
      await exited(server.child);
      await okta.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
