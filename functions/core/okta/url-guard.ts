import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { DEADLINES } from "../deadlines";
import { invalidInstanceUrl, upstreamTimeout, upstreamUnavailable } from "../errors";
import { setEvictingOldest } from "../bounded-map";

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to all its addresses; injectable so tests never touch real DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** A checked Okta origin plus the addresses the call may connect to (pinned against DNS rebinding). */
export interface OktaTarget {
  origin: string;
  /** Hostname without IPv6 brackets; used for the Host header and TLS servername. */
  hostname: string;
  port: number;
  protocol: "https:" | "http:";
  /** The first checked address (`addresses[0]`). */
  address: string;
  family: 4 | 6;
  /** Every resolved address, each checked, in the resolver's order: tried in turn on a connect failure. */
  addresses: ResolvedAddress[];
}

/** The SSRF guard: decides whether the service may call an instanceUrl, and where exactly. */
export interface UrlGuard {
  /** Resolves to a pinned target, or rejects with `InvalidInstanceUrl` / `UpstreamUnavailable`. */
  check(instanceUrl: string): Promise<OktaTarget>;
}

const defaultResolver: Resolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

// Okta's admin console lives on `<org>-admin.<domain>`; its API answers differently, so users get a hint.
// The console repeats this check when the field loses focus (functions/console/rules.ts), hence the export.
export const ADMIN_CONSOLE = {
  host: /^([a-z0-9-]+)-admin\.(okta|oktapreview|okta-emea)\.com$/,
  /** A `String.replace` template on the host: names the API URL to use instead. */
  hint: "Use the Okta API URL https://$1.$2.com, not the admin console https://$&",
};
/** Parsed on the first check, not at import: parsing IPv6 compiles ipaddr.js's parser, a cost reads never need. */
let v6Ranges: { nat64Local: [ipaddr.IPv6, number]; globalUnicast: [ipaddr.IPv6, number] } | undefined;
const v6 = () =>
  (v6Ranges ??= {
    // RFC 8215 local-use NAT64 prefix: refused explicitly in case ipaddr.js stops classifying it.
    nat64Local: ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"),
    // Only 2000::/3 is global unicast; ipaddr.js calls the rest of the space (e.g. IPv4-compatible ::7f00:1) "unicast" too.
    globalUnicast: ipaddr.IPv6.parseCIDR("2000::/3"),
  });

/** True only for public unicast addresses; anything unparseable counts as not public. */
export function isPublicAddress(address: string): boolean {
  try {
    const ip = ipaddr.process(address); // maps ::ffff:a.b.c.d to IPv4 so its real range is checked
    if (ip.kind() === "ipv6" && (ip.match(v6().nat64Local) || !ip.match(v6().globalUnicast))) return false;
    return ip.range() === "unicast";
  } catch {
    return false;
  }
}

/**
 * Builds the guard. The allowlist is empty by default, so only public https origins on 443 pass.
 * `dnsTimeoutMs` (default `DEADLINES.dnsMs`) bounds the lookup: a resolver that hangs is
 * `UpstreamTimeout`, not a request that runs into the Lambda's own timeout.
 */
export function createUrlGuard(opts: { allowlist?: string[]; resolve?: Resolver; dnsTimeoutMs?: number } = {}): UrlGuard {
  const allowlist = new Set(opts.allowlist ?? []);
  const resolve = withDeadline(opts.resolve ?? defaultResolver, opts.dnsTimeoutMs ?? DEADLINES.dnsMs);

  /** What the URL alone decides (no DNS), or throws; kept per URL, as the same few come back call after call. */
  const judged = new Map<string, JudgedUrl>();
  function judge(instanceUrl: string): JudgedUrl {
    const known = judged.get(instanceUrl);
    if (known) return known;
    const verdict = judgeUrl(instanceUrl, allowlist);
    setEvictingOldest(judged, instanceUrl, verdict, JUDGED_MAX);
    return verdict;
  }

  return {
    async check(instanceUrl) {
      const { origin, hostname, port, protocol, literal, allowed } = judge(instanceUrl);
      const addresses = literal
        ? [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 } as ResolvedAddress]
        : await resolveOnce(resolve, hostname);
      const first = addresses[0];
      if (!first) throw invalidInstanceUrl(`could not resolve ${hostname}`);
      // Every address is checked, not just the pinned one: a mixed answer hints at rebinding tricks.
      if (!allowed && !addresses.every((a) => isPublicAddress(a.address))) {
        throw invalidInstanceUrl(`${hostname} resolves to a private, loopback or reserved address`);
      }
      if (!addresses.every((a) => isIP(a.address) !== 0)) throw invalidInstanceUrl(`could not resolve ${hostname}`);
      const checked = addresses.map((a) => ({ address: a.address, family: isIP(a.address) === 6 ? 6 : 4 }) as ResolvedAddress);
      const pinned = checked[0]!;
      return { origin, hostname, port, protocol, address: pinned.address, family: pinned.family, addresses: checked };
    },
  };
}

interface JudgedUrl {
  origin: string;
  hostname: string;
  port: number;
  protocol: "https:" | "http:";
  /** The host is an IP address: no lookup. */
  literal: boolean;
  /** On the insecure allowlist (local and test setups): any scheme, port and address. */
  allowed: boolean;
}
const JUDGED_MAX = 1_000;

/** The URL's own verdict, before any lookup: throws `InvalidInstanceUrl` for what no address can redeem. */
function judgeUrl(instanceUrl: string, allowlist: ReadonlySet<string>): JudgedUrl {
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw invalidInstanceUrl("instanceUrl is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidInstanceUrl("instanceUrl must use https");
  }
  // Checked before the allowlist and without echoing the URL: it would carry the password.
  if (url.username !== "" || url.password !== "") {
    throw invalidInstanceUrl("instanceUrl must not include a user name or other credentials");
  }
  const protocol = url.protocol;
  const port = url.port ? Number(url.port) : protocol === "https:" ? 443 : 80;
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostname) !== 0; // WHATWG URL already turned 0x7f.1, 2130706433... into dotted form
  const allowed = allowlist.has(`${url.hostname}:${port}`);

  if (!allowed) {
    if (protocol !== "https:") throw invalidInstanceUrl("instanceUrl must use https");
    if (port !== 443) throw invalidInstanceUrl("instanceUrl must use the default https port 443");
    const name = hostname.replace(/\.$/, "");
    if (ADMIN_CONSOLE.host.test(name)) throw invalidInstanceUrl(name.replace(ADMIN_CONSOLE.host, ADMIN_CONSOLE.hint));
    if (name === "localhost" || name.endsWith(".localhost")) {
      throw invalidInstanceUrl("instanceUrl must not point to localhost");
    }
    if (literal && !isPublicAddress(hostname)) {
      throw invalidInstanceUrl("instanceUrl must not point to a private, loopback or reserved address");
    }
  }
  return { origin: url.origin, hostname, port, protocol, literal, allowed };
}

class DnsTimeout extends Error {}

/** The resolver, bounded: past `timeoutMs` it rejects (the lookup itself cannot be cancelled; its answer is ignored). */
function withDeadline(resolve: Resolver, timeoutMs: number): Resolver {
  return (hostname) => {
    let timer: NodeJS.Timeout | undefined;
    // Called inside a promise, so a resolver that throws at once still clears the timer.
    const answer = Promise.resolve().then(() => resolve(hostname));
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsTimeout()), timeoutMs);
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  };
}

async function resolveOnce(resolve: Resolver, hostname: string): Promise<ResolvedAddress[]> {
  try {
    return await resolve(hostname);
  } catch (err) {
    if (err instanceof DnsTimeout) throw upstreamTimeout(`DNS lookup for ${hostname} did not answer in time; try again later`);
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "ENOTFOUND" || code === "ENODATA") throw invalidInstanceUrl(`could not resolve ${hostname}`);
    // Transient DNS trouble is not the user's fault: report it as an upstream outage.
    throw upstreamUnavailable(`DNS lookup for ${hostname} failed; try again later`, err);
  }
}
