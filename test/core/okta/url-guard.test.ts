import { describe, expect, it } from "vitest";
import { DomainError } from "../../../functions/core/errors";
import { parseAllowlist } from "../../../functions/core/config";
import { createUrlGuard, type ResolvedAddress } from "../../../functions/core/okta/url-guard";

// A fake DNS: names map to fixed answers; every call is recorded so "resolve once" can be asserted.
function fakeDns(table: Record<string, ResolvedAddress[] | Error>) {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const entry = table[host];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    if (entry instanceof Error) throw entry;
    return entry;
  };
  return { calls, resolve };
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });
const dns = () =>
  fakeDns({
    "acme.okta.com": [v4("52.1.2.3")],
    "v6.okta.com": [v6("2606:4700::1")],
    "inside.example.com": [v4("10.1.2.3")],
    "mixed.example.com": [v4("52.1.2.3"), v4("192.168.0.5")],
    "mapped.example.com": [v6("::ffff:127.0.0.1")],
    "nat64.example.com": [v6("64:ff9b:1::a00:1")],
    "junk.example.com": [v4("not-an-ip")],
    "flaky.example.com": Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" }),
    "multi.okta.com": [v6("2606:4700::1"), v4("52.1.2.3"), v4("52.1.2.4")],
    "late-private.example.com": [v4("52.1.2.3"), v4("52.1.2.4"), v6("::1")],
    localhost: [v4("127.0.0.1")],
  });

const refusal = (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => expect.fail("expected a refusal"),
    (err: unknown) => (expect(err).toBeInstanceOf(DomainError), err as DomainError),
  );

describe("url guard", () => {
  it("passes a public https origin and pins the resolved address", async () => {
    const d = dns();
    const target = await createUrlGuard({ resolve: d.resolve }).check("https://acme.okta.com");
    expect(target).toEqual({
      origin: "https://acme.okta.com",
      hostname: "acme.okta.com",
      port: 443,
      protocol: "https:",
      address: "52.1.2.3",
      family: 4,
      addresses: [v4("52.1.2.3")],
    });
    expect(d.calls).toEqual(["acme.okta.com"]);
    expect((await createUrlGuard({ resolve: d.resolve }).check("https://v6.okta.com")).family).toBe(6);
  });

  it.each([
    "https://2130706433",
    "https://0177.0.0.1",
    "https://0x7f000001",
    "https://127.1",
    "https://0.0.0.0",
    "https://[::1]",
    "https://[::ffff:127.0.0.1]",
    "https://[::ffff:7f00:1]",
    "https://[64:ff9b::7f00:1]",
    "https://[64:ff9b:1::7f00:1]",
    "https://169.254.169.254",
    "https://[fd00:ec2::254]",
    "https://10.0.0.1",
    "https://192.168.1.1",
    "https://172.16.0.1",
    "https://100.64.0.1",
    "https://localhost",
    "https://localhost.",
    "https://api.localhost",
    "https://inside.example.com",
    "https://mixed.example.com",
    "https://mapped.example.com",
    "https://nat64.example.com",
    "https://junk.example.com",
    "https://nowhere.example.com",
    "http://acme.okta.com",
    "ftp://acme.okta.com",
    "https://acme.okta.com:8443",
    "https://acme-admin.oktapreview.com",
    "not a url",
  ])("refuses %s with InvalidInstanceUrl", async (url) => {
    const err = await refusal(createUrlGuard({ resolve: dns().resolve }).check(url));
    expect(err.code).toBe("InvalidInstanceUrl");
  });

  it("never resolves a refused IP literal", async () => {
    const d = dns();
    await refusal(createUrlGuard({ resolve: d.resolve }).check("https://10.0.0.1"));
    expect(d.calls).toEqual([]);
  });

  it("names the unresolvable host", async () => {
    const err = await refusal(createUrlGuard({ resolve: dns().resolve }).check("https://nowhere.example.com"));
    expect(err.message).toMatch(/could not resolve nowhere\.example\.com/);
  });

  it("refuses credentials without echoing the password", async () => {
    const err = await refusal(createUrlGuard({ resolve: dns().resolve }).check("https://user:pass@acme.okta.com"));
    expect(err.code).toBe("InvalidInstanceUrl");
    expect(err.message).not.toContain("pass");
  });

  it("points admin-console URLs at the API URL", async () => {
    const guard = createUrlGuard({ resolve: dns().resolve });
    const okta = await refusal(guard.check("https://acme-admin.okta.com"));
    expect(okta.message).toContain("https://acme.okta.com");
    const emea = await refusal(guard.check("https://acme-admin.okta-emea.com"));
    expect(emea.message).toContain("https://acme.okta-emea.com");
  });

  it("keeps every checked address, in the resolver's order, and refuses the lot if any is not public", async () => {
    const target = await createUrlGuard({ resolve: dns().resolve }).check("https://multi.okta.com");
    expect(target.addresses).toEqual([v6("2606:4700::1"), v4("52.1.2.3"), v4("52.1.2.4")]);
    expect(target).toMatchObject({ address: "2606:4700::1", family: 6 });
    const err = await refusal(createUrlGuard({ resolve: dns().resolve }).check("https://late-private.example.com"));
    expect(err.code).toBe("InvalidInstanceUrl");
  });

  it("a DNS answer slower than the deadline is UpstreamTimeout, not a hang", async () => {
    const calls: string[] = [];
    const never = (host: string) => (calls.push(host), new Promise<ResolvedAddress[]>(() => {}));
    const started = Date.now();
    const err = await refusal(createUrlGuard({ resolve: never, dnsTimeoutMs: 100 }).check("https://slow.okta.com"));
    expect(err.code).toBe("UpstreamTimeout");
    expect(err.message).toContain("slow.okta.com");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toEqual(["slow.okta.com"]);
    // An answer within the deadline passes.
    const slowish = async () => (await new Promise((r) => setTimeout(r, 20)), [v4("52.1.2.3")]);
    expect((await createUrlGuard({ resolve: slowish, dnsTimeoutMs: 1_000 }).check("https://acme.okta.com")).address).toBe("52.1.2.3");
  });

  it("a resolver that throws at once is still its own error, and leaves no deadline behind", async () => {
    const throwsNow = () => {
      throw Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" });
    };
    const err = await refusal(createUrlGuard({ resolve: throwsNow, dnsTimeoutMs: 20 }).check("https://acme.okta.com"));
    expect(err.code).toBe("UpstreamUnavailable");
    // Past the deadline nothing fires (vitest fails the run on an unhandled rejection).
    await new Promise((r) => setTimeout(r, 60));
  });

  it("reports transient DNS failures as UpstreamUnavailable", async () => {
    const err = await refusal(createUrlGuard({ resolve: dns().resolve }).check("https://flaky.example.com"));
    expect(err.code).toBe("UpstreamUnavailable");
  });

  it("lets exactly the allow-listed host:port through, over http, without resolving an IP literal", async () => {
    const d = dns();
    const guard = createUrlGuard({ allowlist: parseAllowlist("127.0.0.1:4000, localhost:8443"), resolve: d.resolve });
    const target = await guard.check("http://127.0.0.1:4000");
    expect(target).toMatchObject({ protocol: "http:", hostname: "127.0.0.1", port: 4000, address: "127.0.0.1" });
    expect(d.calls).toEqual([]);
    expect((await refusal(guard.check("http://127.0.0.1:4001"))).code).toBe("InvalidInstanceUrl");
    expect((await refusal(guard.check("https://127.0.0.1:4001"))).code).toBe("InvalidInstanceUrl");
    expect((await refusal(guard.check("http://127.0.0.2:4000"))).code).toBe("InvalidInstanceUrl");
    // The scheme's default port counts for matching.
    expect((await createUrlGuard({ allowlist: ["127.0.0.1:80"] }).check("http://127.0.0.1")).port).toBe(80);
  });

  it("still resolves (once) and pins an allow-listed hostname", async () => {
    const d = dns();
    const guard = createUrlGuard({ allowlist: ["localhost:8443"], resolve: d.resolve });
    const target = await guard.check("https://localhost:8443");
    expect(target).toMatchObject({ protocol: "https:", hostname: "localhost", address: "127.0.0.1", port: 8443 });
    expect(d.calls).toEqual(["localhost"]);
    expect((await refusal(guard.check("https://user:pass@localhost:8443"))).code).toBe("InvalidInstanceUrl");
  });

  it("asks DNS anew on every check, though the URL's own verdict is kept: a new answer is judged again", async () => {
    const table: Record<string, ResolvedAddress[]> = { "acme.okta.com": [v4("52.1.2.3")] };
    const calls: string[] = [];
    const guard = createUrlGuard({ resolve: async (host) => (calls.push(host), table[host]!) });
    expect((await guard.check("https://acme.okta.com")).address).toBe("52.1.2.3");
    table["acme.okta.com"] = [v4("10.0.0.7")]; // rebinding to a private address
    expect((await refusal(guard.check("https://acme.okta.com"))).code).toBe("InvalidInstanceUrl");
    table["acme.okta.com"] = [v4("52.1.2.4")];
    expect((await guard.check("https://acme.okta.com")).address).toBe("52.1.2.4");
    expect(calls).toEqual(["acme.okta.com", "acme.okta.com", "acme.okta.com"]);
    // A refused URL is refused every time.
    for (let n = 0; n < 2; n++) expect((await refusal(guard.check("http://acme.okta.com"))).message).toBe("instanceUrl must use https");
  });

  it("parses the allowlist variable", () => {
    expect(parseAllowlist(undefined)).toEqual([]);
    expect(parseAllowlist("")).toEqual([]);
    expect(parseAllowlist(" 127.0.0.1:4000 , ,localhost:8443 ")).toEqual(["127.0.0.1:4000", "localhost:8443"]);
  });
});
