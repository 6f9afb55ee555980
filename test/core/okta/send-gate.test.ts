import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createUrlGuard, type OktaTarget } from "../../../functions/core/okta/url-guard";
import { sendToOkta, type SendGate } from "../../../functions/core/okta/transport";
import { startFakeOkta, type FakeOkta } from "../../support/fake-okta";

/**
 * The transport asks a gate twice: before it connects and right before it writes the request. A
 * window that closes in between (another request's 429, answered while this one connected) holds
 * the request back: nothing reaches Okta until the gate lets it through again.
 */
let fake: FakeOkta;
let target: OktaTarget;
beforeEach(async () => {
  fake = await startFakeOkta();
  target = await createUrlGuard({ allowlist: [fake.hostPort] }).check(fake.origin);
});
afterEach(() => fake.close());

const request = { method: "GET", path: "/api/v1/users/me", headers: {} };

describe("a send gate", () => {
  it("holds back a request whose window closed while it connected, and sends it once the window reopens", async () => {
    const steps: string[] = [];
    let open = true;
    const gate: SendGate = {
      async wait() {
        steps.push(`wait (${fake.requests.length} sent)`);
        open = true; // waited out
      },
      isOpen() {
        steps.push(`isOpen (${fake.requests.length} sent)`);
        // The first time, a 429 closed the window after `wait` passed.
        const answer = open && steps.length > 2;
        open = false;
        return answer;
      },
    };
    const answer = await sendToOkta(target, request, { timeoutMs: 2_000, maxBytes: 1024, gate });
    expect(answer.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(steps).toEqual(["wait (0 sent)", "isOpen (0 sent)", "wait (0 sent)", "isOpen (0 sent)"]);
  });

  it("gives up without sending when waiting throws", async () => {
    class Closed extends Error {}
    const gate: SendGate = { wait: async () => Promise.reject(new Closed()), isOpen: () => true };
    await expect(sendToOkta(target, request, { timeoutMs: 2_000, maxBytes: 1024, gate })).rejects.toBeInstanceOf(Closed);
    expect(fake.requests).toHaveLength(0);
  });

  it("sends at once without one", async () => {
    const answer = await sendToOkta(target, request, { timeoutMs: 2_000, maxBytes: 1024 });
    expect(answer.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
  });
});
