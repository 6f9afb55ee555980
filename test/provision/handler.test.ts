import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawText } from "../support/harness";
import { remove, sqsRecord, startProvisionRig, upsert, type ProvisionRig } from "./rig";

/** The SQS consumer on hand-built SQS events: exactly-once effect, failures, outcomes. */
let rig: ProvisionRig;
beforeAll(async () => {
  rig = await startProvisionRig();
});
afterAll(() => rig.close());

const connectionsNamed = async (name: string) => (await rig.items("connection")).filter((c) => c.name === name);

describe("exactly-once effect", () => {
  it("applies a re-sent requestId (new message id) once; the second answers duplicate", async () => {
    const message = upsert(rig, { name: "dup-one", source: "cmdb" });
    const first = await rig.deliver([sqsRecord(message)]);
    const second = await rig.deliver([sqsRecord(message)]);
    const inOneBatch = await rig.deliver([sqsRecord(message), sqsRecord(message)]);
    expect(first.outcomes.map((o) => o.outcome)).toEqual(["created"]);
    expect(second.outcomes).toEqual([{ requestId: message.requestId, outcome: "duplicate", original: "created" }]);
    expect(inOneBatch.outcomes.map((o) => o.outcome)).toEqual(["duplicate", "duplicate"]);
    expect([first, second, inOneBatch].every((d) => d.failures.length === 0)).toBe(true);
    const [conn] = await connectionsNamed("dup-one");
    expect(conn!.version).toBe(1);
    const audit = (await rig.audit("org-p", "proj-p")).filter((e) => e.connectionId === conn!.id);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([["create-app-connection", { type: "provisioning", id: "cmdb", senderId: "local" }]]);
    expect(audit[0]!.reqId).toBe(message.requestId);
  });

  it("names the queue as the actor when the message has no source", async () => {
    const { outcomes } = await rig.deliver([sqsRecord(upsert(rig, { name: "actor-queue" }))]);
    const audit = (await rig.audit("org-p", "proj-p")).filter((e) => e.connectionId === outcomes[0]!.connectionId);
    expect(audit[0]!.actor).toEqual({ type: "provisioning", id: "provisioning-queue", senderId: "local" });
  });

  it("records the SQS SenderId beside the source, in the audit trail and the audit log API", async () => {
    const senderId = "AROAEXAMPLEPRODUCER:terraform-run-7";
    const { outcomes } = await rig.deliver([sqsRecord(upsert(rig, { name: "actor-sender", source: "terraform" }), { senderId })]);
    const audit = (await rig.audit("org-p", "proj-p")).filter((e) => e.connectionId === outcomes[0]!.connectionId);
    expect(audit[0]!.actor).toEqual({ type: "provisioning", id: "terraform", senderId });
    const admin = await rig.h.token({ orgId: "org-p", orgRole: "admin" });
    const log = await rig.h.call("GET", "/api/v1/audit-logs?projectId=proj-p&limit=100", { token: admin });
    expect(log.status).toBe(200);
    expect(log.body.auditLogs.find((e: any) => e.connectionId === outcomes[0]!.connectionId).actor).toEqual({ type: "provisioning", id: "terraform", senderId });
  });
});

describe("requestIds are per org", () => {
  it("the same requestId in two orgs applies twice", async () => {
    const inP = upsert(rig, { name: "per-org" });
    const inQ = { ...upsert(rig, { name: "per-org", orgId: "org-q" }), requestId: inP.requestId };
    const { outcomes } = await rig.deliver([sqsRecord(inP), sqsRecord(inQ)]);
    expect(outcomes.map((o) => [o.requestId, o.outcome])).toEqual([
      [inP.requestId, "created"],
      [inP.requestId, "created"],
    ]);
    const orgs = (await connectionsNamed("per-org")).map((c) => c.orgId).sort();
    expect(orgs).toEqual(["org-p", "org-q"]);
    // Within each org it is still applied once.
    const again = await rig.deliver([sqsRecord(inQ), sqsRecord(inP)]);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(["duplicate", "duplicate"]);
  });

  it("a requestId sent again with a different message is failed with a clear error, and changes nothing", async () => {
    const first = upsert(rig, { name: "reused-id", description: "first" });
    expect((await rig.deliver([sqsRecord(first)])).outcomes[0]!.outcome).toBe("created");
    const before = await connectionsNamed("reused-id");
    const other = { ...first, description: "second" };
    const { outcomes, failures } = await rig.deliver([sqsRecord(other)]);
    expect(failures).toEqual([]);
    expect(outcomes[0]).toMatchObject({ requestId: first.requestId, outcome: "failed", error: { error: "ValidationFailure" } });
    expect(outcomes[0]!.error!.message).toMatch(/already used in org org-p for a different message/);
    expect(await connectionsNamed("reused-id")).toEqual(before);
    // The very same message again (keys in another order) is still a plain duplicate.
    const reordered = Object.fromEntries(Object.entries(first).reverse());
    expect((await rig.deliver([sqsRecord(reordered)])).outcomes[0]).toMatchObject({ outcome: "duplicate", original: "created" });
  });
});

describe("failures", () => {
  it("acknowledges malformed messages and permanent refusals as failed; a re-sent failed requestId is a duplicate", async () => {
    const good = upsert(rig, { name: "batch-good" });
    const badSchema = upsert(rig, { name: "Not A Valid Name" });
    const refused = upsert(rig, { name: "batch-refused", credentials: { instanceUrl: rig.h.okta.origin, apiToken: "00" + "r".repeat(40) } });
    const missingCreds = upsert(rig, { name: "batch-nocreds", credentials: undefined });
    const records = [sqsRecord("{not json"), sqsRecord(good), sqsRecord(badSchema), sqsRecord(refused), sqsRecord(missingCreds)];
    const { outcomes, failures } = await rig.deliver(records);
    expect(failures).toEqual([]);
    expect(outcomes.map((o) => [o.requestId, o.outcome, o.error?.error])).toEqual([
      [null, "failed", "ValidationFailure"],
      [good.requestId, "created", undefined],
      [badSchema.requestId, "failed", "ValidationFailure"],
      [refused.requestId, "failed", "InvalidCredentials"],
      [missingCreds.requestId, "failed", "ValidationFailure"],
    ]);
    expect(rawText(outcomes)).not.toContain("rrrrrrrr");
    // The same message again is a duplicate; a fixed one needs a new requestId (the old one is refused).
    expect((await rig.deliver([sqsRecord(badSchema)])).outcomes[0]).toMatchObject({ outcome: "duplicate", original: "failed" });
    const fixed = { ...badSchema, name: "batch-fixed" };
    expect((await rig.deliver([sqsRecord(fixed)])).outcomes[0]).toMatchObject({ outcome: "failed", error: { error: "ValidationFailure" } });
    expect((await rig.deliver([sqsRecord({ ...fixed, requestId: `${fixed.requestId}-2` })])).outcomes[0]!.outcome).toBe("created");
  });

  it("reports only the transiently failing message of a batch; its retry then applies it", async () => {
    const flaky = rig.h.validOktaToken();
    rig.h.okta.respondWith((req) =>
      req.headers.authorization === `SSWS ${flaky}` ? { status: 503, body: { errorSummary: "down" } } : { status: 200, body: { id: "u" } },
    );
    const ok1 = upsert(rig, { name: "transient-a" });
    const down = upsert(rig, { name: "transient-b", credentials: { instanceUrl: rig.h.okta.origin, apiToken: flaky } });
    const ok2 = upsert(rig, { name: "transient-c" });
    const downRecord = sqsRecord(down);
    const throttled = upsert(rig, { name: "transient-d" });
    const first = await rig.deliver([sqsRecord(ok1), downRecord, sqsRecord(ok2)]);
    expect(first.failures).toEqual([downRecord.messageId]);
    expect(first.outcomes.map((o) => o.outcome)).toEqual(["created", "created"]);

    rig.h.okta.respondWith(() => ({ status: 429, headers: { "retry-after": "1" }, body: {} }));
    const limited = sqsRecord(throttled);
    expect((await rig.deliver([limited])).failures).toEqual([limited.messageId]);

    rig.h.okta.respondWith(null);
    const retried = await rig.deliver([sqsRecord(down, { messageId: downRecord.messageId, receiveCount: 2 }), sqsRecord(throttled)]);
    expect(retried.failures).toEqual([]);
    expect(retried.outcomes.map((o) => o.outcome)).toEqual(["created", "created"]);
  });
});

describe("KMS refusals", () => {
  it("keeps retrying a message whose key KMS refuses (not the message's fault); once the key is fixed the redrive applies it", async () => {
    for (const kmsType of ["AccessDeniedException", "DisabledException", "KMSInvalidStateException", "NotFoundException"]) {
      const message = upsert(rig, { name: `kms-refused-${kmsType.toLowerCase().replace("exception", "")}` });
      const record = sqsRecord(message);
      rig.h.localKms.refuse(kmsType);
      try {
        const first = await rig.deliver([record]);
        expect(first.failures, kmsType).toEqual([record.messageId]);
        expect(first.outcomes, kmsType).toEqual([]);
      } finally {
        rig.h.localKms.refuse(null);
      }
      const redriven = await rig.deliver([sqsRecord(message, { messageId: record.messageId, receiveCount: 2 })]);
      expect(redriven.outcomes.map((o) => o.outcome), kmsType).toEqual(["created"]);
    }
  });
});

describe("outcome events", () => {
  it("publishes provisioning.succeeded / .failed once per requestId, never for a duplicate, with no secret", async () => {
    const before = rig.outcomesPublisher.entries.length;
    const message = upsert(rig, { name: "outcome-ev" });
    const refused = upsert(rig, { name: "outcome-bad", credentials: { instanceUrl: rig.h.okta.origin, apiToken: "00" + "q".repeat(40) } });
    await rig.deliver([sqsRecord(message), sqsRecord(refused), sqsRecord(message)]);
    const published = rig.outcomesPublisher.entries.slice(before);
    // Distinct names settle concurrently: any order.
    expect(published).toHaveLength(2);
    expect(published.map((e) => [e.detailType, e.detail.eventId, e.detail.outcome])).toEqual(
      expect.arrayContaining([
        ["provisioning.succeeded", `org-p:${message.requestId}`, "created"],
        ["provisioning.failed", `org-p:${refused.requestId}`, "failed"],
      ]),
    );
    expect(published.find((e) => e.detailType === "provisioning.succeeded")!.detail).toMatchObject({ orgId: "org-p", projectId: "proj-p", name: "outcome-ev", version: 1 });
    expect(rawText(published)).not.toContain(message.credentials.apiToken);
    expect(rawText(published)).not.toContain("qqqqqqqq");
  });

  it("a failed publish leaves the message for retry, which reports and publishes the original outcome", async () => {
    const before = (await rig.changeEvents()).length;
    const message = upsert(rig, { name: "outcome-retry" });
    rig.outcomesPublisher.failNext(1);
    const record = sqsRecord(message);
    const first = await rig.deliver([record]);
    expect(first.failures).toEqual([record.messageId]);
    expect(first.outcomes).toEqual([]);
    const again = await rig.deliver([sqsRecord(message, { messageId: record.messageId, receiveCount: 2 })]);
    // The change committed on the first try: its retry says what happened then, never "unchanged".
    expect(again.failures).toEqual([]);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(["created"]);
    expect(again.outcomes[0]).toMatchObject({ requestId: message.requestId, version: 1 });
    const published = rig.outcomesPublisher.entries.filter((e) => e.detail.eventId === `org-p:${message.requestId}`);
    expect(published.map((e) => e.detail.outcome)).toEqual(["created"]);
    expect(await connectionsNamed("outcome-retry")).toHaveLength(1);
    expect((await rig.changeEvents()).slice(before).filter((e) => e.detail.name === "outcome-retry").map((e) => e.detailType)).toEqual([
      "app-connection.created",
    ]);
    // Another message with the same requestId is still a duplicate, and publishes nothing.
    expect((await rig.deliver([sqsRecord(message)])).outcomes[0]).toMatchObject({ outcome: "duplicate", original: "created" });
    expect(rig.outcomesPublisher.entries.filter((e) => e.detail.eventId === `org-p:${message.requestId}`)).toHaveLength(1);
  });
});

describe("done when: a batch sent twice, out of order, with a poison message", () => {
  it("leaves exactly the intended connections, audit entries and change events", async () => {
    const at = (s: number) => `2026-05-01T12:00:${String(s).padStart(2, "0")}Z`;
    const alpha = (d: string, s: number, extra = {}) => upsert(rig, { name: "final-alpha", description: d, sentAt: at(s), source: "tf", ...extra });
    const batch = [
      alpha("v1", 1),
      alpha("v2", 2, { credentials: undefined }),
      upsert(rig, { name: "final-beta", sentAt: at(3), source: "tf" }),
      remove({ name: "final-beta", sentAt: at(4), source: "tf" }),
      upsert(rig, { name: "final-gamma", projectId: undefined, description: "org-level", sentAt: at(5), source: "tf" }),
    ];
    const poison = '{"specVersion":1,"requestId":"poison-1","type":"app-connection.upsert"';
    const eventsBefore = (await rig.changeEvents()).length;

    const first = await rig.deliver(batch.map((m) => sqsRecord(m)));
    expect(first.outcomes.map((o) => o.outcome)).toEqual(["created", "updated", "created", "deleted", "created"]);
    // Again: reversed, with the poison message in the middle, and a late copy of beta's upsert under a new requestId.
    const lateBeta = { ...batch[2]!, requestId: `${batch[2]!.requestId}-late` };
    const second = await rig.deliver([...batch].reverse().flatMap((m, i) => (i === 2 ? [sqsRecord(poison), sqsRecord(m)] : [sqsRecord(m)])).concat(sqsRecord(lateBeta)));
    expect(second.failures).toEqual([]);
    expect(second.outcomes.map((o) => o.outcome)).toEqual(["duplicate", "duplicate", "failed", "duplicate", "duplicate", "duplicate", "unchanged"]);
    expect(second.outcomes.at(-1)).toMatchObject({ stale: true });

    const conns = (await rig.items("connection")).filter((c) => c.name.startsWith("final-"));
    expect(conns.map((c) => [c.name, c.projectId, c.description, c.version]).sort()).toEqual([
      ["final-alpha", "proj-p", "v2", 2],
      ["final-gamma", null, "org-level", 1],
    ]);
    const audit = [...(await rig.audit("org-p", "proj-p")), ...(await rig.audit("org-p", null))].filter((e) => e.reqId && batch.some((m) => m.requestId === e.reqId));
    expect(audit.map((e) => `${e.action} ${e.metadata.name}`).sort()).toEqual([
      "create-app-connection final-alpha",
      "create-app-connection final-beta",
      "create-app-connection final-gamma",
      "delete-app-connection final-beta",
      "update-app-connection final-alpha",
    ]);
    const events = (await rig.changeEvents()).slice(eventsBefore).filter((e) => String(e.detail.name).startsWith("final-"));
    // In commit order per name (a stable sort by name): distinct names commit concurrently.
    events.sort((a, b) => String(a.detail.name).localeCompare(String(b.detail.name)));
    expect(events.map((e) => `${e.detailType} ${e.detail.name} v${e.detail.version}`)).toEqual([
      "app-connection.created final-alpha v1",
      "app-connection.updated final-alpha v2",
      "app-connection.created final-beta v1",
      "app-connection.deleted final-beta v2",
      "app-connection.created final-gamma v1",
    ]);
  });
});
