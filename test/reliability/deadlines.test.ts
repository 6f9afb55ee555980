import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../functions/api/app";
import { createAuthenticator } from "../../functions/api/auth";
import { wireConnectionService } from "../../functions/core/compose";
import { createKmsClient } from "../../functions/core/crypto/kms-client";
import { awsCallWorstMs, DEADLINES } from "../../functions/core/deadlines";
import { createLogger } from "../../functions/core/logger";
import type { ResolvedAddress } from "../../functions/core/okta/url-guard";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { createEventBridgeClient } from "../../functions/events/eventbridge-client";
import { mintDevToken } from "../../functions/local/dev-token";
import { createBody, startHarness, TEST_CREDENTIALS_HASH_KEY, TEST_JWT_SECRET, type Harness } from "../support/harness";

/**
 * Every outside call gives up on its own deadline (functions/core/deadlines.ts): a DNS server that
 * never answers, and AWS endpoints that accept the connection and never say a word.
 */
const AWS = DEADLINES.aws;
const WORST = awsCallWorstMs(AWS);
const SLACK_MS = 1_500; // a loaded machine's scheduling, on top of the deadline

/** A loopback server that accepts every connection and never answers; counts connections. */
async function startSilentServer() {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise<void>((done) => (sockets.forEach((s) => s.destroy()), server.close(() => done()))),
  };
}

let silent: Awaited<ReturnType<typeof startSilentServer>>;
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(() => silent.close());

async function timed<T>(promise: Promise<T> | T) {
  const started = Date.now();
  const outcome = await Promise.resolve(promise).then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, ms: Date.now() - started };
}

describe("AWS SDK clients against an endpoint that never answers", () => {
  const clients = () => {
    const opts = { endpoint: silent.endpoint, deadlines: AWS };
    return {
      dynamodb: createDynamoClient(opts),
      kms: createKmsClient(opts),
      eventbridge: createEventBridgeClient(opts),
    };
  };

  it.each([
    ["DynamoDB", (c: ReturnType<typeof clients>) => c.dynamodb.send(new GetItemCommand({ TableName: "t", Key: { PK: { S: "a" } } }))],
    ["KMS", (c: ReturnType<typeof clients>) => c.kms.send(new GenerateDataKeyCommand({ KeyId: "k", KeySpec: "AES_256" }))],
    ["EventBridge", (c: ReturnType<typeof clients>) => c.eventbridge.send(new PutEventsCommand({ Entries: [{ Detail: "{}" }] }))],
  ])("%s gives up with a TimeoutError within its deadline, after its attempts", async (_name, call) => {
    const c = clients();
    const before = silent.connections();
    const { error, ms } = await timed(call(c));
    expect((error as Error).name).toBe("TimeoutError");
    expect(ms).toBeGreaterThanOrEqual(AWS.maxAttempts * AWS.requestTimeoutMs - 50);
    expect(ms).toBeLessThan(WORST + SLACK_MS);
    expect(silent.connections() - before).toBe(AWS.maxAttempts);
    for (const client of Object.values(c)) client.destroy();
  });

  it("the API answers 503 (not a hang, not a Lambda timeout) when DynamoDB or KMS stops answering", async () => {
    const h = await startHarness();
    const logger = createLogger(() => {});
    const appWith = (over: { dynamo?: boolean; kms?: boolean }) =>
      createApp({
        service: wireConnectionService({
          dynamo: over.dynamo ? createDynamoClient({ endpoint: silent.endpoint, deadlines: AWS }) : h.dynamodb,
          tableName: h.tableName,
          kms: over.kms ? createKmsClient({ endpoint: silent.endpoint, deadlines: AWS }) : h.kmsClient,
          kmsKeyId: h.localKms.keyId,
          cursorSecret: "test-cursor-secret-0123456789",
          credentialsHashKey: TEST_CREDENTIALS_HASH_KEY,
          oktaInsecureAllowlist: [h.okta.hostPort],
        }),
        authenticate: createAuthenticator({ kind: "hs256", secret: TEST_JWT_SECRET }),
        logger,
      });
    try {
      const token = await mintDevToken(TEST_JWT_SECRET, { sub: "u", orgId: "org-deadline", orgRole: "admin" });
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const read = await timed(appWith({ dynamo: true }).request("/api/v1/app-connections/okta?projectId=p", { headers }));
      expect(read.value!.status).toBe(503);
      expect((await read.value!.json()).error).toBe("ServiceUnavailable");
      expect(read.value!.headers.get("retry-after")).toBeTruthy();
      expect(read.ms).toBeLessThan(WORST + SLACK_MS);
      const body = JSON.stringify(createBody(h, "deadline-kms"));
      const create = await timed(appWith({ kms: true }).request("/api/v1/app-connections/okta", { method: "POST", headers, body }));
      expect(create.value!.status).toBe(503);
      expect(create.ms).toBeLessThan(WORST + SLACK_MS + 1_000);
    } finally {
      await h.close();
    }
  });
});

describe("the URL guard's DNS lookup", () => {
  let h: Harness;
  const asked: string[] = [];
  beforeAll(async () => {
    const never = (host: string) => (asked.push(host), new Promise<ResolvedAddress[]>(() => {}));
    h = await startHarness({ resolve: never });
  });
  afterAll(() => h.close());

  it("a DNS server that never answers is a 504 UpstreamTimeout after the DNS deadline, and nothing reaches Okta", async () => {
    const admin = await h.token({ orgId: "org-dns", orgRole: "admin" });
    const body = { ...createBody(h, "slow-dns"), credentials: { instanceUrl: "https://slow-dns.okta.com", apiToken: h.validOktaToken() } };
    const untouched = await h.untouched();
    const { value: res, ms } = await timed(h.call("POST", "/api/v1/app-connections/okta", { token: admin, body }));
    expect(res!.status, res!.text).toBe(504);
    expect(res!.body.error).toBe("UpstreamTimeout");
    expect(res!.body.message).toContain("slow-dns.okta.com");
    expect(asked).toEqual(["slow-dns.okta.com"]);
    expect(ms).toBeGreaterThanOrEqual(DEADLINES.dnsMs - 50);
    expect(ms).toBeLessThan(DEADLINES.dnsMs + SLACK_MS);
    await untouched.check();
  });
});
