import { describe, expect, it } from "vitest";
import { createTokenCache, type AccessToken } from "../../functions/core/okta/token-cache";

const token = (name: string, expiresAt: number): AccessToken => ({ accessToken: name, tokenType: "Bearer", expiresAt });

describe("access-token cache", () => {
  it("reuses a token until 60 s before it expires, then asks again", async () => {
    let now = 0;
    const cache = createTokenCache({ now: () => now });
    let asked = 0;
    const request = async () => token(`t${++asked}`, now + 3_600_000);
    expect((await cache.get("k", request)).accessToken).toBe("t1");
    now = 3_600_000 - 60_001;
    expect((await cache.get("k", request)).accessToken).toBe("t1");
    now = 3_600_000 - 60_000;
    expect((await cache.get("k", request)).accessToken).toBe("t2");
  });

  it("shares one request among concurrent first calls; a failure is not kept", async () => {
    const cache = createTokenCache();
    let asked = 0;
    let fail = true;
    const request = () => new Promise<AccessToken>((resolve, reject) => setTimeout(() => (++asked, fail ? reject(new Error("no")) : resolve(token("ok", Date.now() + 3_600_000))), 10));
    const failed = await Promise.allSettled([cache.get("k", request), cache.get("k", request), cache.get("k", request)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(asked).toBe(1);
    fail = false;
    const ok = await Promise.all([cache.get("k", request), cache.get("k", request)]);
    expect(ok.map((t) => t.accessToken)).toEqual(["ok", "ok"]);
    expect(asked).toBe(2);
  });

  it("holds at most maxEntries tokens, dropping the oldest", async () => {
    const cache = createTokenCache({ maxEntries: 3 });
    let asked = 0;
    const request = async () => token(`t${++asked}`, Date.now() + 3_600_000);
    for (const key of ["a", "b", "c", "d"]) await cache.get(key, request);
    expect(cache.size).toBe(3);
    await cache.get("d", request);
    expect(asked).toBe(4);
    await cache.get("a", request); // dropped: asked again
    expect(asked).toBe(5);
  });
});
