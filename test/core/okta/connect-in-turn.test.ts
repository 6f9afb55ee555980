import { describe, expect, it } from "vitest";
import { ConnectFailed, connectInTurn } from "../../../functions/core/okta/connect-in-turn";
import type { ResolvedAddress } from "../../../functions/core/okta/url-guard";

const addresses: ResolvedAddress[] = [
  { address: "2606:4700::1", family: 6 },
  { address: "52.1.2.3", family: 4 },
  { address: "52.1.2.4", family: 4 },
];

describe("connectInTurn", () => {
  it("moves on after a refused or timed-out connect, in order, and stops at the first that connects", async () => {
    const tried: string[] = [];
    const answer = await connectInTurn(addresses, async ({ address }) => {
      tried.push(address);
      if (address === "2606:4700::1") throw new ConnectFailed(address, "ECONNREFUSED");
      return `answered by ${address}`;
    });
    expect(answer).toBe("answered by 52.1.2.3");
    expect(tried).toEqual(["2606:4700::1", "52.1.2.3"]);
  });

  it("an error after connecting ends it: the next address is not tried", async () => {
    const tried: string[] = [];
    const boom = new Error("socket hang up after the request was sent");
    await expect(connectInTurn(addresses, async ({ address }) => (tried.push(address), Promise.reject(boom)))).rejects.toBe(boom);
    expect(tried).toEqual(["2606:4700::1"]);
  });

  it("when no address connects, the last connect failure is thrown", async () => {
    const tried: string[] = [];
    const error = await connectInTurn(addresses, async ({ address }) => {
      tried.push(address);
      throw new ConnectFailed(address, address === "52.1.2.4" ? "connect timeout" : "ECONNREFUSED");
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectFailed);
    expect(error).toMatchObject({ address: "52.1.2.4", code: "connect timeout" });
    expect(tried).toEqual(addresses.map((a) => a.address));
    await expect(connectInTurn([], async () => "never")).rejects.toBeInstanceOf(ConnectFailed);
  });
});
