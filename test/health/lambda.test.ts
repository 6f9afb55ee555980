import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckHandler, createSweepHandler } from "../../functions/health/handlers";
import { createSqsQueue, type CheckQueue } from "../../functions/health/queue";
import { lambdaContext, sqsRecord } from "../../functions/local/sqs-delivery";
import { bundle } from "../../scripts/build";
import { ORG, startHealthRig, type HealthRig } from "./rig";
import { inject } from "vitest";

let rig: HealthRig;
beforeAll(async () => {
  rig = await startHealthRig({ orgs: 2 });
});
afterAll(() => rig?.close());

const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:health-checks";
const record = (body: string) => sqsRecord(body, { messageId: crypto.randomUUID(), receiveCount: 1, queueArn: QUEUE_ARN });

describe("the health functions", () => {
  it("the sweep queues every due connection; the checker checks them and acknowledges the batch", async () => {
    const made = [(await rig.create("lambda-a", rig.oktas[0]!)).connection, (await rig.create("lambda-b", rig.oktas[1]!)).connection];
    rig.advance(rig.intervalSeconds);
    const sent: string[] = [];
    const queue: CheckQueue = { send: async (bodies) => void sent.push(...bodies) };
    await createSweepHandler({ health: rig.health, queue })();
    const mine = sent.filter((b) => made.some((c) => b.includes(c.id)));
    expect(mine.map((b) => JSON.parse(b))).toEqual(expect.arrayContaining(made.map((c) => ({ orgId: ORG, id: c.id, nextCheckAt: expect.any(String) }))));
    const check = createCheckHandler({ health: rig.health });
    const response = await check({ Records: [...mine.map(record), record("{not json")] }, lambdaContext("check", 60_000));
    expect(response).toEqual({ batchItemFailures: [] });
    for (const c of made) expect((await rig.get(c.id)).health.checkedAt).toBe(rig.now());
    // Delivered again (SQS is at least once): already checked, so Okta is not asked again.
    const seen = rig.oktas.map((o) => o.requests.length);
    expect(await check({ Records: mine.map(record) }, lambdaContext("check", 60_000))).toEqual({ batchItemFailures: [] });
    expect(rig.oktas.map((o) => o.requests.length)).toEqual(seen);
  });

  it("a throttled org's messages are acknowledged unchecked and left due for the next sweep", async () => {
    const okta = rig.oktas[1]!;
    const { connection } = await rig.create("lambda-throttled", okta);
    rig.advance(rig.intervalSeconds);
    rig.health.limiter.pauseFor(okta.origin, 60_000);
    const seen = okta.requests.length;
    const body = JSON.stringify({ orgId: ORG, id: connection.id, nextCheckAt: rig.now() });
    expect(await createCheckHandler({ health: rig.health })({ Records: [record(body)] }, lambdaContext("check", 30_000))).toEqual({ batchItemFailures: [] });
    expect(okta.requests.length).toBe(seen);
    const again: string[] = [];
    await createSweepHandler({ health: rig.health, queue: { send: async (b) => void again.push(...b) } })();
    expect(again.some((b) => b.includes(connection.id))).toBe(true);
  });
});

describe("the SQS adapter", () => {
  let server: http.Server;
  let endpoint: string;
  const seen: { headers: http.IncomingHttpHeaders; body: any }[] = [];
  let refuseOnce = new Set<string>();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        const body = JSON.parse(text);
        seen.push({ headers: req.headers, body });
        const failed = body.Entries.filter((e: any) => refuseOnce.delete(e.MessageBody)).map((e: any) => ({ Id: e.Id, Code: "InternalError", SenderFault: false }));
        const ok = body.Entries.filter((e: any) => !failed.some((f: any) => f.Id === e.Id)).map((e: any) => ({ Id: e.Id, MessageId: `m-${e.Id}` }));
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify({ Successful: ok, Failed: failed }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends SigV4-signed SendMessageBatch calls of at most 10 entries and resends only refused ones", async () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "secret-example";
    refuseOnce = new Set(["m3"]);
    const queue = createSqsQueue({ queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/health", region: "us-east-1", endpoint });
    await queue.send(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(seen.map((s) => s.body.Entries.map((e: any) => e.MessageBody))).toEqual([
      ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"],
      ["m3"],
      ["m10", "m11"],
    ]);
    expect(seen[0]!.body.QueueUrl).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/health");
    expect(seen[0]!.headers["x-amz-target"]).toBe("AmazonSQS.SendMessageBatch");
    expect(seen[0]!.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sqs\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
  });
});

describe("the built bundle (npm run build's dist/health)", () => {
  let server: http.Server;
  const bodies: string[] = [];
  let outdir: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        const entries = JSON.parse(text).Entries as { Id: string; MessageBody: string }[];
        bodies.push(...entries.map((e) => e.MessageBody));
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify({ Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id })), Failed: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    outdir = mkdtempSync(join(tmpdir(), "oac-health-bundle-"));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(outdir, { recursive: true, force: true });
  });

  it("index.sweep queues the due connections and index.check records their health, as deployed", async () => {
    const { connection } = await rig.create("bundled", rig.oktas[0]!);
    await bundle("health", join(import.meta.dirname, "..", "..", "functions", "health", "lambda.ts"), outdir);
    Object.assign(process.env, {
      TABLE_NAME: rig.tableName,
      DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      KMS_KEY_ID: rig.kms.keyId,
      AWS_ENDPOINT_URL_KMS: rig.kms.endpoint,
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      HEALTH_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/health",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret-example",
      OKTA_INSECURE_ALLOWLIST: rig.oktas.map((o) => o.hostPort).join(","),
    });
    const built = (await import(pathToFileURL(join(outdir, "index.mjs")).href)) as { sweep: () => Promise<{ queued: number }>; check: ReturnType<typeof createCheckHandler> };
    // The rig's connections were made on its clock (early 2026): by the wall clock they are all due.
    expect((await built.sweep()).queued).toBeGreaterThan(0);
    const mine = bodies.filter((b) => b.includes(connection.id));
    expect(mine).toHaveLength(1);
    const before = Date.now();
    expect(await built.check({ Records: mine.map(record) }, lambdaContext("check", 60_000))).toEqual({ batchItemFailures: [] });
    const after = await rig.get(connection.id);
    expect(Date.parse(after.health.checkedAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(after.health.status).toBe("healthy");
    expect([after.version, after.updatedAt, after.credentialsHash]).toEqual([connection.version, connection.updatedAt, connection.credentialsHash]);
  }, 120_000);
});
