import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeResponse } from "../support/fake-okta";
import { installFaults, type FaultKind } from "../support/faults";
import { createBody, startHarness, type Harness, type Reply } from "../support/harness";

/**
 * A fault at every step of every write (and of validate): the request answers the contract's
 * error, the raw table is byte-for-byte unchanged, and the same request then succeeds.
 */
let h: Harness;
let faults: ReturnType<typeof installFaults>;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const KINDS: FaultKind[] = ["throttle", "server-error", "timeout", "reset"];

beforeAll(async () => {
  // Two attempts: the SDK still retries each injected fault once, without minutes of back-off.
  h = await startHarness({ oktaTimeoutMs: 300, awsMaxAttempts: 2 });
  faults = installFaults({ dynamodb: h.dynamodb, kms: h.kmsClient });
  admin = await h.token({ orgId: "org-faults", orgRole: "admin" });
});
afterAll(() => h.close());

const OKTA_FAULT: Record<FaultKind, { answer: FakeResponse; status: number; error: string }> = {
  throttle: { answer: { status: 429, headers: { "Retry-After": "3" } }, status: 429, error: "UpstreamRateLimited" },
  "server-error": { answer: { status: 500 }, status: 502, error: "UpstreamUnavailable" },
  timeout: { answer: { status: 200, delayMs: 1_000 }, status: 504, error: "UpstreamTimeout" },
  reset: { answer: { status: 200, reset: true }, status: 502, error: "UpstreamUnavailable" },
};

type Step = { aws: string; skip?: number } | "okta";
interface Operation {
  name: string;
  steps: Step[];
  /** Sets up what the operation needs and returns the request to repeat. */
  prepare(): Promise<() => Promise<Reply>>;
}

let counter = 0;
const fresh = async (extra: Record<string, unknown> = {}) =>
  (await h.call("POST", BASE, { token: admin, body: createBody(h, `fault-${++counter}`, { projectId: "pf", ...extra }) })).body.appConnection;

const OPERATIONS: Operation[] = [
  {
    name: "create",
    steps: [{ aws: "GetItemCommand" }, "okta", { aws: "GenerateDataKeyCommand" }, { aws: "TransactWriteItemsCommand" }],
    prepare: async () => {
      const body = createBody(h, `fault-new-${++counter}`, { projectId: "pf" });
      return () => h.call("POST", BASE, { token: admin, body });
    },
  },
  {
    name: "update description",
    steps: [{ aws: "GetItemCommand" }, { aws: "TransactWriteItemsCommand" }],
    prepare: async () => {
      const { id } = await fresh();
      return () => h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { description: "changed" } });
    },
  },
  {
    name: "update credentials",
    steps: [{ aws: "GetItemCommand" }, "okta", { aws: "GenerateDataKeyCommand" }, { aws: "TransactWriteItemsCommand" }],
    prepare: async () => {
      const { id } = await fresh();
      const credentials = { instanceUrl: h.okta.origin, apiToken: h.validOktaToken() };
      return () => h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { credentials } });
    },
  },
  {
    name: "rename",
    steps: [{ aws: "GetItemCommand" }, { aws: "GetItemCommand", skip: 1 }, { aws: "TransactWriteItemsCommand" }],
    prepare: async () => {
      const { id } = await fresh();
      const name = `fault-renamed-${++counter}`;
      return () => h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { name } });
    },
  },
  {
    name: "delete",
    steps: [{ aws: "GetItemCommand" }, { aws: "TransactWriteItemsCommand" }],
    prepare: async () => {
      const { id } = await fresh();
      return () => h.call("DELETE", `${BASE}/${id}`, { token: admin });
    },
  },
  {
    name: "validate",
    // The last step is the health record (section 8): its failure fails the request.
    steps: [{ aws: "GetItemCommand" }, { aws: "DecryptCommand" }, "okta", { aws: "UpdateItemCommand" }],
    prepare: async () => {
      const { id } = await fresh();
      return Object.assign(() => h.call("POST", `${BASE}/${id}/validate`, { token: admin }), { id });
    },
  },
];

const stepName = (step: Step) => (step === "okta" ? "Okta" : `${step.aws}${step.skip ? ` #${step.skip + 1}` : ""}`);
const cases = OPERATIONS.flatMap((op) => op.steps.flatMap((step) => KINDS.map((kind) => [op.name, stepName(step), kind, op, step] as const)));

describe("faults at every step", () => {
  it.each(cases)("%s: %s fails with %s", async (_op, _step, kind, op, step) => {
    const request = await op.prepare();
    const untouched = await h.untouched();
    if (step === "okta") h.okta.respondWith(() => OKTA_FAULT[kind].answer);
    else faults.arm(step.aws, kind, step.skip ?? 0);
    let failed: Reply;
    try {
      failed = await request();
    } finally {
      faults.clear();
      h.okta.respondWith(null);
    }
    const expected = step === "okta" ? OKTA_FAULT[kind] : { status: 503, error: "ServiceUnavailable" };
    if (op.name === "validate" && step === "okta") {
      // validate reports Okta's trouble as data, never as a failed request.
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ valid: false, error: { error: expected.error } });
    } else {
      expect(failed.status).toBe(expected.status);
      expect(failed.body).toMatchObject({ statusCode: expected.status, error: expected.error, reqId: failed.headers.get("x-request-id") });
    }
    if (op.name === "validate" && step === "okta") {
      // Okta's trouble is recorded as the connection's health: transient, so the status stays.
      const { id } = request as unknown as { id: string };
      const health = (await h.call("GET", `${BASE}/${id}`, { token: admin })).body.appConnection.health;
      expect(health).toMatchObject({ status: "healthy", consecutiveFailures: 1, error: { error: expected.error } });
    } else await untouched.tableUnchanged();
    const retried = await request();
    expect(retried.status).toBe(200);
    if (op.name === "validate") expect(retried.body.valid).toBe(true);
  });
  expect(cases.length).toBe(19 * 4);
});

describe("a write whose answer is lost after it committed", () => {
  // The SDK resends the same ClientRequestToken; without it the retry would fail our own
  // attribute_not_exists condition and answer 409 for a create that in fact succeeded.
  it("is retried idempotently by the SDK (ClientRequestToken): one success, one connection, one audit event", async () => {
    const body = createBody(h, "lost-answer", { projectId: "lost" });
    faults.loseResponses("TransactWriteItemsCommand");
    const res = await h.call("POST", BASE, { token: admin, body }).finally(() => faults.clear());
    expect(res.body).toMatchObject({ appConnection: { name: "lost-answer" } });
    const items = (await h.scan()).filter((item) => JSON.stringify(item).includes("lost-answer"));
    const types = items.map((item) => item.type?.S).sort();
    expect(types).toEqual(["audit", "connection", "name-lock"]);
  });
});
