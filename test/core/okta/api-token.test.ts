import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "../../../functions/core/errors";
import { createApiTokenMethod } from "../../../functions/core/okta/api-token";
import { createUrlGuard, type OktaTarget } from "../../../functions/core/okta/url-guard";
import { sampleToken, startFakeOkta, type FakeOkta } from "../../support/fake-okta";

let fake: FakeOkta;
let target: OktaTarget;
const token = sampleToken(1);
const apiToken = createApiTokenMethod({ timeoutMs: 2_000 });
const verifier = { verify: (at: OktaTarget, t: string) => apiToken.verify(at, { method: "api-token", instanceUrl: at.origin, apiToken: t }) };

beforeEach(async () => {
  fake = await startFakeOkta();
  fake.validTokens.add(token);
  // Goes through the real guard so the allowlist path is exercised end to end.
  target = await createUrlGuard({ allowlist: [fake.hostPort] }).check(fake.origin);
});
afterEach(() => fake.close());

// Every failure must be a DomainError and must not carry the token, in message or cause.
const failure = (promise: Promise<unknown>): Promise<DomainError> =>
  promise.then(
    () => expect.fail("expected a failure"),
    (err: unknown) => {
      expect(err).toBeInstanceOf(DomainError);
      expect(`${(err as Error).message} ${String((err as Error).cause ?? "")}`).not.toContain(token);
      return err as DomainError;
    },
  );

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));

describe("api-token method", () => {
  it("passes a valid token and sends the documented request", async () => {
    await verifier.verify(target, token);
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req?.method).toBe("GET");
    expect(req?.path).toBe("/api/v1/users/me");
    expect(req?.headers["authorization"]).toBe(`SSWS ${token}`);
    expect(req?.headers["accept"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe("okta-app-connections");
  });

  it("maps 401 to InvalidCredentials with Okta's errorSummary", async () => {
    const err = await failure(verifier.verify(target, sampleToken(2)));
    expect(err.code).toBe("InvalidCredentials");
    expect(err.message).toBe("Okta rejected the API token: Invalid token provided");
  });

  it.each([
    [403, "InvalidCredentials"],
    [400, "InvalidCredentials"],
    [404, "InvalidInstanceUrl"],
    [301, "InvalidInstanceUrl"],
    [500, "UpstreamUnavailable"],
    [503, "UpstreamUnavailable"],
  ] as const)("maps HTTP %i to %s", async (status, code) => {
    fake.respondWith(() => ({ status, body: { errorSummary: "nope" } }));
    expect((await failure(verifier.verify(target, token))).code).toBe(code);
  });

  it("does not follow a redirect", async () => {
    const sentinelHits: string[] = [];
    const sentinel = http.createServer((req, res) => {
      sentinelHits.push(req.url ?? "");
      res.end("{}");
    });
    const port = await listen(sentinel);
    try {
      fake.respondWith(() => ({ status: 302, headers: { Location: `http://127.0.0.1:${port}/api/v1/users/me` } }));
      const err = await failure(verifier.verify(target, token));
      expect(err.code).toBe("InvalidInstanceUrl");
      expect(err.message).toContain("not an Okta API endpoint");
      expect(sentinelHits).toEqual([]);
    } finally {
      await new Promise((resolve) => sentinel.close(resolve));
    }
  });

  it("maps 429 to UpstreamRateLimited with Okta's wait time", async () => {
    fake.respondWith(() => ({ status: 429, headers: { "Retry-After": "7" } }));
    const err = await failure(verifier.verify(target, token));
    expect(err.code).toBe("UpstreamRateLimited");
    expect(err.retryAfterSeconds).toBe(7);

    const reset = String(Math.floor(Date.now() / 1000) + 30);
    fake.respondWith(() => ({ status: 429, headers: { "X-Rate-Limit-Reset": reset } }));
    const byReset = (await failure(verifier.verify(target, token))).retryAfterSeconds ?? 0;
    expect(byReset).toBeGreaterThanOrEqual(29);
    expect(byReset).toBeLessThanOrEqual(31);

    fake.respondWith(() => ({ status: 429 }));
    expect((await failure(verifier.verify(target, token))).retryAfterSeconds).toBe(60);
  });

  it("maps a closed port to UpstreamUnavailable", async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(verifier.verify({ ...target, origin: `http://127.0.0.1:${port}`, port }, token));
    expect(err.code).toBe("UpstreamUnavailable");
  });

  it("maps a TLS failure to UpstreamUnavailable", async () => {
    // An https client talking to a plain-http server fails the handshake.
    const tls: OktaTarget = { ...target, protocol: "https:", hostname: "okta.invalid" };
    expect((await failure(verifier.verify(tls, token))).code).toBe("UpstreamUnavailable");
  });

  it("times out a slow Okta with UpstreamTimeout", async () => {
    fake.respondWith(() => ({ status: 200, body: {}, delayMs: 1_000 }));
    const started = Date.now();
    const err = await failure(createApiTokenMethod({ timeoutMs: 200 }).verify(target, { method: "api-token", instanceUrl: target.origin, apiToken: token }));
    expect(err.code).toBe("UpstreamTimeout");
    expect(err.message).toBe("Okta did not answer within 0.2 s");
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("connects to the pinned address, not whatever the hostname resolves to", async () => {
    const pinned: OktaTarget = { ...target, origin: "http://okta.invalid", hostname: "okta.invalid" };
    await verifier.verify(pinned, token);
    expect(fake.requests[0]?.headers["host"]).toBe(`okta.invalid:${target.port}`);
  });

  it("tries each checked address in turn when one refuses the connection, and only those", async () => {
    // Nothing listens on 127.0.0.2 and 127.0.0.3 (the fake Okta is bound to 127.0.0.1 alone): both refuse.
    const refused = (address: string) => ({ address, family: 4 as const });
    const named = { ...target, origin: "http://okta.invalid", hostname: "okta.invalid" };
    const multi: OktaTarget = { ...named, address: "127.0.0.2", addresses: [refused("127.0.0.2"), refused("127.0.0.3"), refused("127.0.0.1")] };
    await verifier.verify(multi, token);
    expect(fake.requests).toHaveLength(1);
    // None of the checked addresses connects: Okta is unreachable, nothing else is tried.
    const none: OktaTarget = { ...named, address: "127.0.0.2", addresses: [refused("127.0.0.2"), refused("127.0.0.3")] };
    const err = await failure(verifier.verify(none, token));
    expect(err.code).toBe("UpstreamUnavailable");
    expect(err.message).toContain("ECONNREFUSED");
    expect(fake.requests).toHaveLength(1);
  });

  it("does not move on to the next address once one has connected and failed", async () => {
    fake.respondWith(() => ({ status: 200, body: {}, delayMs: 1_000 }));
    const loopback = { address: "127.0.0.1", family: 4 as const };
    const both: OktaTarget = { ...target, origin: "http://okta.invalid", hostname: "okta.invalid", addresses: [loopback, loopback] };
    const err = await failure(createApiTokenMethod({ timeoutMs: 300 }).verify(both, { method: "api-token", instanceUrl: both.origin, apiToken: token }));
    expect(err.code).toBe("UpstreamTimeout");
    expect(fake.requests).toHaveLength(1);
  });

  it("never puts the token in a message, even when Okta echoes it", async () => {
    fake.respondWith(() => ({ status: 401, body: { errorSummary: `Invalid token ${token}\r\n${"x".repeat(500)}` } }));
    const err = await failure(verifier.verify(target, token));
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message.length).toBeLessThan(260);
    expect(err.message).toContain("Invalid token [redacted]");
  });

  it("refuses a token with control characters without sending it", async () => {
    const err = await failure(verifier.verify(target, `${token}\r\nX-Evil: 1`));
    expect(err.code).toBe("InvalidCredentials");
    expect(fake.requests).toHaveLength(0);
  });

  it("copes with a huge body", async () => {
    fake.respondWith(() => ({ status: 401, body: "x".repeat(1024 * 1024) }));
    const err = await failure(verifier.verify(target, sampleToken(3)));
    expect(err.message).toBe("Okta rejected the API token (HTTP 401)");
  });
});
