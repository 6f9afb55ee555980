import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEADLINES } from "../../../functions/core/deadlines";
import { sendToOkta } from "../../../functions/core/okta/transport";
import { createUrlGuard } from "../../../functions/core/okta/url-guard";

// The transport keeps one timer at a time: the connect deadline, then the rest of the exchange's.
// These run in real time on loopback (an accepted connection, a slow answer), around that switch.
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
});

/** A loopback "Okta" that accepts at once and answers 200 after `delayMs` (never, if Infinity). */
async function slowOkta(delayMs: number) {
  const server = http.createServer((_req, res) => {
    if (Number.isFinite(delayMs)) setTimeout(() => res.end('{"ok":true}'), delayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return createUrlGuard({ allowlist: [hostPort] }).check(`http://${hostPort}`);
}

const get = { method: "GET", path: "/api/v1/users/me", headers: {} };

describe("sendToOkta deadlines", () => {
  it("an answer later than the connect deadline but within the whole deadline is Okta's answer", async () => {
    const target = await slowOkta(DEADLINES.oktaConnectMs + 300);
    const answer = await sendToOkta(target, get, { timeoutMs: DEADLINES.oktaConnectMs + 1_500, maxBytes: 1024 });
    expect(answer).toMatchObject({ status: 200, tooLarge: false });
    expect(answer.body.toString()).toBe('{"ok":true}');
  }, 10_000);

  it("a connected Okta that never answers is UpstreamTimeout at the whole deadline, not a connect failure", async () => {
    const target = await slowOkta(Infinity);
    const started = performance.now();
    const failure = await sendToOkta(target, get, { timeoutMs: DEADLINES.oktaConnectMs + 500, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "UpstreamTimeout" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(DEADLINES.oktaConnectMs + 450);
  }, 10_000);

  it("a deadline shorter than the connect deadline is UpstreamTimeout when it is spent", async () => {
    const target = await slowOkta(Infinity);
    const started = performance.now();
    const failure = await sendToOkta(target, get, { timeoutMs: 300, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "UpstreamTimeout" });
    expect(performance.now() - started).toBeLessThan(DEADLINES.oktaConnectMs);
  });
});
