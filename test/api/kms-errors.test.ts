import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../functions/api/app";
import { createLogger } from "../../functions/core/logger";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * How KMS's answers reach the API's user, through the real HTTP API and the local KMS answering
 * each error as AWS does: refusals (an operator must fix the key or its policy) are 500
 * InternalError with no Retry-After and an alarm-counted log line; only throttling and KMS's own
 * unavailability are 503 ServiceUnavailable with Retry-After.
 */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => {
  h = await startHarness({ awsMaxAttempts: 1 });
  admin = await h.token({ orgId: "org-kms", orgRole: "admin" });
});
afterAll(() => h?.close());

const REFUSED = ["AccessDeniedException", "DisabledException", "KMSInvalidStateException", "NotFoundException", "InvalidKeyUsageException"];
const TRANSIENT = ["ThrottlingException", "KMSInternalException", "DependencyTimeoutException"];
const alarmLines = () => h.logs.map((l) => JSON.parse(l)).filter((l) => l.alarm === "KmsRefused");

/** Create (GenerateDataKey) and validate (Decrypt) while the local KMS answers `kmsType`. */
async function whileRefusing(kmsType: string, id: string, n: number) {
  h.localKms.refuse(kmsType);
  try {
    const create = await h.call("POST", BASE, { token: admin, body: createBody(h, `kms-${n}`) });
    const validate = await h.call("POST", `${BASE}/${id}/validate`, { token: admin });
    return [create, validate];
  } finally {
    h.localKms.refuse(null);
  }
}

describe("KMS errors through the API", () => {
  let id: string;
  beforeAll(async () => {
    const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "kms-base") });
    expect(created.status).toBe(200);
    id = created.body.appConnection.id;
  });

  it.each(REFUSED.map((t, i) => [t, i]))("%s is 500 InternalError, no Retry-After, and a KmsRefused log line", async (kmsType, n) => {
    const before = alarmLines().length;
    for (const reply of await whileRefusing(kmsType as string, id, n as number)) {
      expect(reply.status).toBe(500);
      expect(reply.body).toMatchObject({ statusCode: 500, error: "InternalError" });
      expect(reply.headers.get("retry-after")).toBeNull();
    }
    const lines = alarmLines().slice(before);
    expect(lines.map((l) => [l.level, l.message, l.operation, l.kmsError])).toEqual([
      ["error", "kms refused", "GenerateDataKey", kmsType],
      ["error", "kms refused", "Decrypt", kmsType],
    ]);
  });

  it.each(TRANSIENT.map((t, i) => [t, i + 100]))("%s is 503 ServiceUnavailable with Retry-After, no alarm line", async (kmsType, n) => {
    const before = alarmLines().length;
    for (const reply of await whileRefusing(kmsType as string, id, n as number)) {
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ statusCode: 503, error: "ServiceUnavailable" });
      expect(reply.headers.get("retry-after")).toBe("1");
    }
    expect(alarmLines().length).toBe(before);
  });

  it("nothing was stored by a refused create, and the connection works again once KMS serves", async () => {
    const list = await h.call("GET", BASE, { token: admin });
    expect(list.body.appConnections.map((c: { name: string }) => c.name)).toEqual(["kms-base"]);
    const validate = await h.call("POST", `${BASE}/${id}/validate`, { token: admin });
    expect(validate.body).toMatchObject({ valid: true });
  });
});

describe("the one 500 code", () => {
  it("an unexpected error (a bug) is 500 InternalError too, with no Retry-After", async () => {
    const lines: string[] = [];
    const app = createApp({
      service: { get: async () => { throw new TypeError("boom"); } } as never,
      authenticate: async () => ({ type: "user", id: "u", orgId: "o", orgRole: "admin", projects: {} }),
      logger: createLogger((l) => lines.push(l)),
    });
    const res = await app.request(`${BASE}/6f1c2d9e-2f6a-4a51-9d7e-0c7c1e8f4b21`);
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(await res.json()).toMatchObject({ statusCode: 500, error: "InternalError", message: "Something went wrong on our side" });
    expect(lines.some((l) => JSON.parse(l).message === "request failed")).toBe(true);
  });
});
