import type { ResolvedAddress } from "./url-guard";

/**
 * An attempt could not connect to its address at all (refused, unreachable, connect timed out):
 * nothing reached the server, so the next checked address may be tried.
 */
export class ConnectFailed extends Error {
  constructor(
    readonly address: string,
    readonly code: string,
    cause?: unknown,
  ) {
    super(`could not connect to ${address} (${code})`, { cause });
    this.name = "ConnectFailed";
  }
}

/**
 * Tries the checked addresses in order: the first attempt that connects decides (its answer or
 * its error); only a `ConnectFailed` moves on to the next address. When none connects, the last
 * `ConnectFailed` is thrown. Only the given (checked) addresses are ever tried.
 *
 * @example
 * await connectInTurn(target.addresses, (address) => requestAt(address));
 */
export async function connectInTurn<T>(addresses: readonly ResolvedAddress[], attempt: (address: ResolvedAddress) => Promise<T>): Promise<T> {
  let failure: ConnectFailed | undefined;
  for (const address of addresses) {
    try {
      return await attempt(address);
    } catch (error) {
      if (!(error instanceof ConnectFailed)) throw error;
      failure = error;
    }
  }
  throw failure ?? new ConnectFailed("(none)", "no address");
}
