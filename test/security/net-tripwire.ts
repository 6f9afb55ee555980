import net, { isIP } from "node:net";
import dns from "node:dns";
import ipaddr from "ipaddr.js";

/** One outgoing TCP connection attempt seen in this process. */
export interface Attempt {
  host: string;
  port: number;
  /** The addresses the socket was about to connect to (after any lookup). */
  addresses: string[];
  blocked: boolean;
}

const isLoopback = (address: string) => {
  try {
    const ip = ipaddr.process(address);
    return ip.range() === "loopback";
  } catch {
    return false;
  }
};

const unreachable = () => Object.assign(new Error("connect ENETUNREACH (blocked by the test's network tripwire)"), { code: "ENETUNREACH" });

type LookupCb = (err: Error | null, address?: string | { address: string; family: number }[], family?: number) => void;

/**
 * Records every outgoing TCP connection of this process (HTTP clients, TLS, undici all end in
 * `net.Socket.prototype.connect`), including the addresses a custom or system lookup produced,
 * and refuses anything that is not loopback so the test never leaves the machine: an attempt to
 * a public address fails like an unreachable network would.
 */
export function installTripwire() {
  const attempts: Attempt[] = [];
  const original = net.Socket.prototype.connect;

  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const options: Record<string, any> =
      typeof first === "object" && first !== null ? (first as Record<string, any>) : typeof first === "number" ? { port: first, host: args[1] } : {};
    if (options.path || typeof first === "string") return original.apply(this, args as never);
    const host = String(options.host ?? "localhost");
    const attempt: Attempt = { host, port: Number(options.port), addresses: [], blocked: false };
    attempts.push(attempt);

    if (isIP(host)) {
      attempt.addresses.push(host);
      if (!isLoopback(host)) {
        attempt.blocked = true;
        setImmediate(() => this.destroy(unreachable()));
        return this;
      }
      return original.apply(this, args as never);
    }
    const lookup = (options.lookup ?? dns.lookup) as (host: string, opts: object, cb: LookupCb) => void;
    options.lookup = (name: string, opts: object, cb: LookupCb) =>
      lookup(name, opts, (err, address, family) => {
        if (err) return cb(err);
        const found = Array.isArray(address) ? address.map((a) => a.address) : [String(address)];
        attempt.addresses.push(...found);
        if (!found.every(isLoopback)) {
          attempt.blocked = true;
          return cb(unreachable());
        }
        cb(null, address, family);
      });
    return original.apply(this, args as never);
  } as typeof original;

  return {
    attempts,
    /** Attempts other than to the given loopback ports (the app, DynamoDB Local, the local KMS). */
    outside(infraPorts: number[]) {
      return attempts.filter((a) => !(infraPorts.includes(a.port) && a.addresses.length > 0 && a.addresses.every(isLoopback)));
    },
    reset: () => void attempts.splice(0),
    uninstall() {
      net.Socket.prototype.connect = original;
    },
  };
}

export type Tripwire = ReturnType<typeof installTripwire>;
