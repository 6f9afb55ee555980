import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { serve } from "@hono/node-server";
import { inject } from "vitest";
import { createApp } from "../../functions/api/app";
import { createAuthenticator } from "../../functions/api/auth";
import { awsClientConfig } from "../../functions/core/aws-client-config";
import { wireApiParts } from "../../functions/core/compose";
import { createKmsClient } from "../../functions/core/crypto/kms-client";
import { startLocalKms } from "../../functions/core/crypto/local-kms";
import { createHealthRuntime } from "../../functions/core/health/runtime";
import { createLogger } from "../../functions/core/logger";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { ensureTable } from "../../functions/core/storage/table";
import { createStreamHandler } from "../../functions/events/stream-handler";
import { mintDevToken } from "../../functions/local/dev-token";
import { createStreamReader } from "../../functions/local/stream-reader";
import { memoryPublisher } from "../provision/rig";
import { countCalls } from "../support/aws-calls";
import { sampleToken, startFakeOkta, type FakeOkta } from "../support/fake-okta";
import { TEST_CREDENTIALS_HASH_KEY, TEST_JWT_SECRET, type Reply } from "../support/harness";

export const BASE = "/api/v1/app-connections/okta";
export const ORG = "org-h";

/**
 * Health checks on real parts: a fresh table on the suite's DynamoDB Local (its stream read into
 * events), the local KMS, several fake Okta orgs on loopback, the API behind a real HTTP server,
 * and the health runtime on the same ports, all on one injected clock.
 */
export async function startHealthRig(opts: { orgs?: number; intervalSeconds?: number; concurrency?: number } = {}) {
  let nowMs = Date.parse("2026-03-01T00:00:00.000Z");
  const clock = () => new Date(nowMs);
  const intervalSeconds = opts.intervalSeconds ?? 3600;
  const tableName = `health-${randomUUID()}`;
  const dynamodb = createDynamoClient({ endpoint: inject("dynamoEndpoint") });
  await ensureTable(dynamodb, tableName);
  const localKms = await startLocalKms({});
  const kms = createKmsClient({ endpoint: localKms.endpoint });
  const oktas: FakeOkta[] = await Promise.all(Array.from({ length: opts.orgs ?? 3 }, () => startFakeOkta()));
  const calls = countCalls({ dynamodb, kms });
  const logs: string[] = [];
  const logger = createLogger((line) => logs.push(line));
  const parts = wireApiParts({
    dynamo: dynamodb,
    tableName,
    kms,
    kmsKeyId: localKms.keyId,
    cursorSecret: "test-cursor-secret-0123456789",
    credentialsHashKey: TEST_CREDENTIALS_HASH_KEY,
    oktaInsecureAllowlist: oktas.map((o) => o.hostPort),
    oktaTimeoutMs: 2_000,
    healthIntervalSeconds: intervalSeconds,
    clock,
    logger,
  });
  const health = createHealthRuntime(parts, { intervalSeconds, concurrency: opts.concurrency ?? 2, clock, logger });
  const app = createApp({ service: parts.service, proxy: parts.proxy, authenticate: createAuthenticator({ kind: "hs256", secret: TEST_JWT_SECRET }), logger });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((ready) => server.once("listening", ready));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const events = memoryPublisher();
  const dir = mkdtempSync(join(tmpdir(), "oac-health-"));
  const streams = new DynamoDBStreamsClient(awsClientConfig({ endpoint: inject("dynamoEndpoint") }));
  const reader = createStreamReader({
    dynamo: dynamodb,
    streams,
    tableName,
    handler: createStreamHandler({ publisher: events }),
    checkpointFile: join(dir, "checkpoint.json"),
  });
  const admin = await mintDevToken(TEST_JWT_SECRET, { sub: "admin-1", orgId: ORG, orgRole: "admin" });
  let seed = 0;

  const rig = {
    parts,
    health,
    oktas,
    calls,
    logs,
    dynamodb,
    tableName,
    kms: { endpoint: localKms.endpoint, keyId: localKms.keyId },
    admin,
    intervalSeconds,
    now: () => clock().toISOString(),
    advance: (seconds: number) => void (nowMs += seconds * 1000),
    /** A token `okta` accepts. */
    token(okta: FakeOkta) {
      const token = sampleToken(`health-${++seed}-${randomUUID()}`);
      okta.validTokens.add(token);
      return token;
    },
    async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${admin}`, ...headers } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      const response = await fetch(base + path, init);
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
    },
    /** Creates a connection on `okta` through the API; answers the appConnection and its token. */
    async create(name: string, okta: FakeOkta, extra: Record<string, unknown> = {}) {
      const apiToken = rig.token(okta);
      const reply = await rig.call("POST", BASE, { name, method: "api-token", credentials: { instanceUrl: okta.origin, apiToken }, ...extra });
      if (reply.status !== 200) throw new Error(`create ${name}: ${reply.status} ${reply.text}`);
      return { connection: reply.body.appConnection, apiToken };
    },
    get: async (id: string) => (await rig.call("GET", `${BASE}/${id}`)).body.appConnection,
    /** Health-changed events of everything committed so far (from the real stream). */
    async events(detailType = "app-connection.health-changed") {
      await reader.drain();
      return events.entries.filter((e) => e.detailType === detailType);
    },
    async close() {
      await reader.stop();
      streams.destroy();
      rmSync(dir, { recursive: true, force: true });
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all(oktas.map((o) => o.close()));
      await localKms.close();
      dynamodb.destroy();
      kms.destroy();
    },
  };
  return rig;
}

export type HealthRig = Awaited<ReturnType<typeof startHealthRig>>;
