import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_SCRIPT_PATH } from "../../functions/api/docs";
import { startHarness, type Harness } from "../support/harness";

/** `/docs` works offline: its only script comes from this origin, under a strict CSP (contract section 6). */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Every `<script ...>` tag of a page: its attributes and its inline text. */
const scripts = (html: string) =>
  [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map(([, attrs, text]) => ({
    src: /\bsrc="([^"]*)"/.exec(attrs!)?.[1],
    type: /\btype="([^"]*)"/.exec(attrs!)?.[1],
    text: text!,
  }));

describe("/docs", () => {
  it("references only same-origin scripts, has no inline script, and is served under a strict CSP", async () => {
    const page = await h.call("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text).not.toMatch(/https?:\/\//); // no other origin, for scripts or anything else
    const found = scripts(page.text);
    expect(found.filter((s) => s.src !== undefined).map((s) => s.src)).toEqual([DOCS_SCRIPT_PATH]);
    for (const s of found) {
      if (s.src === undefined) expect(s.type, "a script element without src carries data, not code").toBe("application/json");
      expect(s.text.trim()).toBe("");
    }
    expect(page.text).toContain('data-url="/openapi.json"');
    const csp = page.headers.get("content-security-policy") ?? "";
    const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("serves the API reference's script from this origin, as JavaScript, gzip when asked, with an ETag", async () => {
    const plain = await fetch(`${h.base}${DOCS_SCRIPT_PATH}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(100_000);
    expect(text).toContain("api-reference"); // Scalar's standalone bundle looks for #api-reference

    const { request } = await import("node:http");
    const gz = await new Promise<{ status: number; encoding?: string; body: Buffer }>((resolve, reject) => {
      const req = request(`${h.base}${DOCS_SCRIPT_PATH}`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c)).on("end", () =>
          resolve({ status: res.statusCode!, encoding: res.headers["content-encoding"], body: Buffer.concat(parts) }),
        );
      });
      req.on("error", reject).end();
    });
    expect(gz).toMatchObject({ status: 200, encoding: "gzip" });
    expect(gz.body.length).toBeLessThan(text.length / 2);
    expect(gunzipSync(gz.body).toString("utf8")).toBe(text);

    const etag = plain.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect((await fetch(`${h.base}${DOCS_SCRIPT_PATH}`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });
});
