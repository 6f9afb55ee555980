/**
 * Hostile `instanceUrl`s for the SSRF guard (contract sections 2 and 4), each with the answer the
 * contract requires. `{SENTINEL}` and `{OKTA}` stand for the ports of the test's loopback sentinel
 * and of the allow-listed fake Okta; hosts ending in `.attacker.example` resolve through
 * `SSRF_DNS` (the injected test resolver), never through real DNS.
 *
 * Expected status: a value that is not an absolute URL, or has a path, query or fragment, fails the
 * schema (422 ValidationFailure); every other refusal is 400 InvalidInstanceUrl.
 */
export interface SsrfCase {
  url: string;
  reason: string;
  status: 400 | 422;
  error: "InvalidInstanceUrl" | "ValidationFailure";
  /** The refusal's message must contain this (admin-console hints). */
  messageIncludes?: string;
  /** The refusal's message must not echo this (passwords in the URL). */
  secret?: string;
}

const refused = (url: string, reason: string, extra: Partial<SsrfCase> = {}): SsrfCase => ({
  url,
  reason,
  status: 400,
  error: "InvalidInstanceUrl",
  ...extra,
});
const malformed = (url: string, reason: string): SsrfCase => ({ url, reason, status: 422, error: "ValidationFailure" });

/** What the injected resolver answers; a name missing here is NXDOMAIN. */
export const SSRF_DNS: Record<string, string[]> = {
  "loopback.attacker.example": ["127.0.0.1"],
  "v6loop.attacker.example": ["::1"],
  "metadata.attacker.example": ["169.254.169.254"],
  "imds6.attacker.example": ["fd00:ec2::254"],
  "internal.attacker.example": ["10.0.0.5"],
  "corp172.attacker.example": ["172.20.1.1"],
  "home.attacker.example": ["192.168.1.10"],
  "cgnat.attacker.example": ["100.64.0.9"],
  "mixed.attacker.example": ["52.1.2.3", "192.168.1.10"],
  "mixed-late.attacker.example": ["52.1.2.3", "2606:4700::1", "::1"],
  "mapped.attacker.example": ["::ffff:127.0.0.1"],
  "nat64.attacker.example": ["64:ff9b::a9fe:a9fe"],
  "compat.attacker.example": ["::7f00:1"],
  "unspecified.attacker.example": ["0.0.0.0"],
  "linklocal6.attacker.example": ["fe80::1"],
  "acme.okta.com.127.0.0.1.attacker.example": ["127.0.0.1"],
};

export const SSRF_CORPUS: readonly SsrfCase[] = [
  // Loopback, in every spelling WHATWG URL parsing accepts.
  refused("https://127.0.0.1", "IPv4 loopback"),
  refused("https://2130706433", "loopback as one decimal number"),
  refused("https://0177.0.0.1", "loopback with an octal first octet"),
  refused("https://0x7f000001", "loopback as one hex number"),
  refused("https://0x7f.0.0.1", "loopback with a hex first octet"),
  refused("https://127.1", "loopback short form"),
  refused("https://127.0.0.1.", "loopback literal with a trailing dot"),
  refused("https://%31%32%37.0.0.1", "percent-encoded loopback host"),
  refused("https://127\u30020\u30020\u30021", "loopback with ideographic full stops (IDNA maps them to dots)"),
  refused("https://0.0.0.0", "unspecified address (reaches loopback on Linux)"),
  refused("https://0", "unspecified address as a single zero"),
  refused("https://[::1]", "IPv6 loopback"),
  refused("https://[0:0:0:0:0:0:0:1]", "IPv6 loopback, uncompressed"),
  refused("https://[::]", "IPv6 unspecified"),
  refused("https://[::ffff:127.0.0.1]", "IPv4-mapped IPv6 loopback, dotted"),
  refused("https://[::ffff:7f00:1]", "IPv4-mapped IPv6 loopback, hex"),
  refused("https://[::127.0.0.1]", "IPv4-compatible IPv6 loopback (deprecated ::/96)"),
  refused("https://[::ffff:0:7f00:1]", "IPv4-translated (RFC 6145) loopback"),
  refused("https://[64:ff9b::7f00:1]", "NAT64 well-known prefix embedding loopback"),
  refused("https://[64:ff9b:1::7f00:1]", "NAT64 local-use prefix embedding loopback"),
  refused("https://[2002:7f00:1::1]", "6to4 address embedding loopback"),

  // Link-local and cloud metadata.
  refused("https://169.254.169.254", "AWS/GCP/Azure instance metadata"),
  refused("https://0xa9fea9fe", "instance metadata as one hex number"),
  refused("https://[::ffff:169.254.169.254]", "instance metadata, IPv4-mapped"),
  refused("https://[64:ff9b::a9fe:a9fe]", "instance metadata through NAT64"),
  refused("https://[fd00:ec2::254]", "AWS instance metadata over IPv6"),
  refused("https://169.254.170.2", "ECS task metadata"),
  refused("https://[fe80::1]", "IPv6 link-local"),
  malformed("https://[fe80::1%25eth0]", "IPv6 link-local with a zone id is not a valid URL"),

  // Private ranges.
  refused("https://10.0.0.1", "10/8"),
  refused("https://012.0.0.1", "10/8 with an octal first octet"),
  refused("https://10.255.255.255", "top of 10/8"),
  refused("https://172.16.0.1", "172.16/12"),
  refused("https://172.31.255.254", "top of 172.16/12"),
  refused("https://192.168.0.1", "192.168/16"),
  refused("https://3232235521", "192.168.0.1 as one decimal number"),
  refused("https://100.64.0.1", "100.64/10 carrier-grade NAT"),
  refused("https://100.127.255.254", "top of 100.64/10"),
  refused("https://[fc00::1]", "IPv6 unique local"),
  refused("https://[fd12:3456:789a::1]", "IPv6 unique local (fd00::/8)"),
  refused("https://[fec0::1]", "IPv6 deprecated site-local"),

  // Multicast, broadcast and reserved.
  refused("https://224.0.0.1", "IPv4 multicast"),
  refused("https://239.255.255.250", "IPv4 multicast (SSDP)"),
  refused("https://[ff02::1]", "IPv6 multicast"),
  refused("https://255.255.255.255", "limited broadcast"),
  refused("https://240.0.0.1", "240/4 reserved"),
  refused("https://198.18.0.1", "198.18/15 benchmarking"),
  refused("https://192.0.2.1", "TEST-NET-1 documentation range"),
  refused("https://[2001:db8::1]", "IPv6 documentation range"),

  // localhost by name.
  refused("https://localhost", "localhost"),
  refused("https://localhost.", "localhost with a trailing dot"),
  refused("https://LOCALHOST.", "upper-case localhost with a trailing dot"),
  refused("https://api.localhost", "*.localhost"),
  refused("https://acme.okta.localhost.", "*.localhost with a trailing dot"),

  // Credentials in the URL.
  refused("https://user:hunter2pass@acme.okta.com", "user and password in the URL", { secret: "hunter2pass" }),
  refused("https://admin@acme.okta.com", "user name in the URL"),
  refused("https://:s3cr3tpw@acme.okta.com", "password only in the URL", { secret: "s3cr3tpw" }),
  refused("https://acme.okta.com@127.0.0.1", "user info that looks like the host, real host loopback"),
  refused("https://acme.okta.com:443@169.254.169.254", "host:port as user info, real host metadata"),

  // Schemes other than https.
  refused("http://acme.okta.com", "plain http"),
  refused("http://127.0.0.1", "plain http to loopback"),
  refused("ftp://acme.okta.com", "ftp"),
  refused("file://localhost/", "file URL without a path"),
  refused("gopher://127.0.0.1:70/", "gopher to loopback"),
  refused("dict://127.0.0.1:11211/", "dict to memcached"),
  refused("ws://127.0.0.1/", "websocket"),
  malformed("file:///etc/passwd", "file URL with a path"),
  malformed("javascript:alert(1)", "javascript URL"),
  malformed("data:text/html,<script>alert(1)</script>", "data URL"),
  malformed("https://127.0.0.1\\@acme.okta.com", "backslash confusion leaves a path"),
  malformed("acme.okta.com", "no scheme"),
  malformed("//127.0.0.1", "scheme-relative"),
  malformed("https://acme.okta.com/..%2f..%2f169.254.169.254", "path traversal in the path"),
  malformed(`https://${"a".repeat(250)}.okta.com`, "longer than 255 characters"),

  // Ports other than 443, and allow-listed ports under another spelling (compared literally).
  refused("https://acme.okta.com:8443", "https on 8443"),
  refused("https://acme.okta.com:80", "https on 80"),
  refused("https://93.184.216.34:22", "public address, ssh port"),
  refused("http://127.0.0.1:{SENTINEL}", "loopback sentinel over http"),
  refused("https://127.0.0.1:{SENTINEL}", "loopback sentinel over https"),
  refused("http://2130706433:{SENTINEL}", "loopback sentinel, decimal"),
  refused("http://localhost:{OKTA}", "allow-listed port under the name localhost"),
  refused("http://[::1]:{OKTA}", "allow-listed port over IPv6 loopback"),
  refused("http://127.0.0.2:{OKTA}", "allow-listed port on another loopback address"),
  refused("http://[::ffff:127.0.0.1]:{OKTA}", "allow-listed port, IPv4-mapped"),

  // The Okta admin console instead of the API host.
  refused("https://acme-admin.okta.com", "Okta admin console", { messageIncludes: "https://acme.okta.com" }),
  refused("https://acme-admin.oktapreview.com", "Okta preview admin console", { messageIncludes: "https://acme.oktapreview.com" }),
  refused("https://acme-admin.okta-emea.com", "Okta EMEA admin console", { messageIncludes: "https://acme.okta-emea.com" }),
  refused("https://ACME-ADMIN.OKTA.COM.", "admin console, upper case with a trailing dot", { messageIncludes: "https://acme.okta.com" }),

  // Names that resolve (through the test resolver) to non-public addresses.
  refused("https://loopback.attacker.example", "name resolving to 127.0.0.1"),
  refused("https://v6loop.attacker.example", "name resolving to ::1"),
  refused("https://metadata.attacker.example", "name resolving to instance metadata"),
  refused("https://imds6.attacker.example", "name resolving to IPv6 instance metadata"),
  refused("https://internal.attacker.example", "name resolving to 10/8"),
  refused("https://corp172.attacker.example", "name resolving to 172.16/12"),
  refused("https://home.attacker.example", "name resolving to 192.168/16"),
  refused("https://cgnat.attacker.example", "name resolving to 100.64/10"),
  refused("https://mixed.attacker.example", "public first answer, private second (every address is checked)"),
  refused("https://mixed-late.attacker.example", "two public answers, then ::1"),
  refused("https://mapped.attacker.example", "name resolving to IPv4-mapped loopback"),
  refused("https://nat64.attacker.example", "name resolving to NAT64 metadata"),
  refused("https://compat.attacker.example", "name resolving to IPv4-compatible loopback"),
  refused("https://unspecified.attacker.example", "name resolving to 0.0.0.0"),
  refused("https://linklocal6.attacker.example", "name resolving to IPv6 link-local"),
  refused("https://acme.okta.com.127.0.0.1.attacker.example", "Okta-looking name resolving to loopback"),
  refused("https://nxdomain.attacker.example", "name that does not resolve"),
];

/** Quoted by SECURITY.md. */
export const SSRF_CORPUS_SIZE = SSRF_CORPUS.length;

/** The corpus with the run's ports filled in. */
export const materialize = (ports: { sentinel: number; okta: number }): SsrfCase[] =>
  SSRF_CORPUS.map((c) => ({ ...c, url: c.url.replaceAll("{SENTINEL}", String(ports.sentinel)).replaceAll("{OKTA}", String(ports.okta)) }));
