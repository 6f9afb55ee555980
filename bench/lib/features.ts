/**
 * The newer features measured against their floors (issue 17): the Okta API proxy, its
 * client-credentials token cache, the health sweep and provisioning through the SQS handler. Each
 * runs the real code on the bench stack's DynamoDB Local and local KMS, next to a hand-driven floor.
 */
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { GetItemCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { Hono } from "hono";
import { createApp } from "../../functions/api/app";
import { createAuthenticator } from "../../functions/api/auth";
import { wireAccessParts, wireApiParts, wireConnectionService } from "../../functions/core/compose";
import { credentialsInput } from "../../functions/core/connections/schemas";
import { encryptionContext } from "../../functions/core/connections/sealing";
import { createKmsSealer, type SealedSecret } from "../../functions/core/crypto/envelope";
import { createHealthRuntime } from "../../functions/core/health/runtime";
import { sweepDue } from "../../functions/core/health/sweep";
import { createLogger } from "../../functions/core/logger";
import * as keys from "../../functions/core/storage/keys";
import { lambdaContext, sqsRecord } from "../../functions/local/sqs-delivery";
import { createProvisionHandler } from "../../functions/provision/handler";
import { createIdempotencyStore, ensureIdempotencyTable } from "../../functions/provision/idempotency";
import { startFakeOktaOAuth } from "../../test/support/fake-okta-oauth";
import { makeKeyPair } from "../../test/support/service-app-keys";
import { batchWrite, compare, loopbackCall, loopbackGet } from "./measure";
import { BASE, expectOk, rawKey, type BenchStack } from "./stack";
import { interleave, median, now } from "./stats";

type Item = Record<string, AttributeValue>;
const S = (value: string): AttributeValue => ({ S: value });

export const featureSizes = {
  proxyRounds: Number(process.env.BENCH_PROXY_ROUNDS ?? 1_000),
  tokenCalls: Number(process.env.BENCH_TOKEN_CALLS ?? 1_000),
  healthOrgs: Number(process.env.BENCH_HEALTH_ORGS ?? 100),
  healthConnections: Number(process.env.BENCH_HEALTH_CONNECTIONS ?? 10_000),
  healthConcurrency: 2,
  provisionMessages: Number(process.env.BENCH_PROVISION_MESSAGES ?? 1_000),
  provisionBatch: 10,
};

const discard = createLogger(() => {});

/** A full garbage collection (V8's flag set at run time, so `npm run bench` needs no node options). */
function fullGc() {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

// --- Proxied GET (warm) -------------------------------------------------------------------------

export async function proxiedGet(stack: BenchStack) {
  const orgId = "bench-proxy";
  const token = await stack.adminToken(orgId);
  const apiToken = stack.oktaToken();
  const body = { name: "proxy-target", method: "api-token", credentials: { instanceUrl: stack.okta.origin, apiToken } };
  const id: string = expectOk(await stack.call(stack.app, token, "POST", BASE, body), "create").appConnection.id;
  const path = `${BASE}/${id}/proxy/api/v1/users/me`;
  const key = rawKey(keys.connectionKey(orgId, id));
  const viaProxy = async (app: typeof stack.app) => {
    const r = await stack.call(app, token, "GET", path);
    if (r.status !== 200) throw new Error(`proxied GET: HTTP ${r.status} ${r.text.slice(0, 200)}`);
  };
  const straight = async () => {
    if ((await loopbackCall(stack.okta.origin, apiToken)) !== 200) throw new Error("fake Okta refused the floor's token");
  };
  // The contract's cost of a proxied call (section 7): one DynamoDB read and one Okta call.
  const readAndStraight = async () => {
    await stack.dynamo.send(new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }));
    await straight();
  };
  // The floor of the goal, restated as issue 17 restated the GET's: a bare Hono route doing the
  // contract's read, then the same GET, answering Okta's status, body and content type, called the same way.
  const bare = new Hono();
  bare.get(`${BASE}/:id/proxy/*`, async () => {
    await stack.dynamo.send(new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }));
    const okta = await loopbackGet(stack.okta.origin, apiToken);
    return new Response(new Uint8Array(okta.body), { status: okta.status, headers: { "content-type": okta.contentType } });
  });
  await viaProxy(stack.app); // the cold call: it opens the secret (one Decrypt)
  const kmsBefore = Object.values(stack.localKms.counts).reduce((a, b) => a + b, 0);
  const series = await interleave(
    [
      { name: "proxy", run: () => viaProxy(stack.app) },
      { name: "straight to Okta", run: straight },
      { name: "GetItem + straight to Okta", run: readAndStraight },
      { name: "bare Hono route: GetItem + straight to Okta", run: () => viaProxy(bare as unknown as typeof stack.app) },
    ],
    { rounds: featureSizes.proxyRounds, warmup: 100 },
  );
  const kmsServer = Object.values(stack.localKms.counts).reduce((a, b) => a + b, 0) - kmsBefore;
  // The same warm calls through the app whose clients carry the counting middleware.
  await viaProxy(stack.countedApp); // its first call opens the secret: that is the cold call
  stack.calls.reset();
  for (let i = 0; i < 200; i++) await viaProxy(stack.countedApp);
  const kmsCounted = stack.calls.total("kms");
  return {
    ...compare(series[0]!, series[1]!),
    withRead: compare(series[0]!, series[2]!),
    route: compare(series[0]!, series[3]!),
    kmsServer,
    kmsCounted,
  };
}

// --- Proxied GETs with client-credentials -------------------------------------------------------

export async function clientCredentialsCalls(stack: BenchStack) {
  const okta = await startFakeOktaOAuth();
  try {
    const parts = wireApiParts(stack.wiring({ oktaInsecureAllowlist: [okta.hostPort] }));
    const app = createApp({ ...parts, authenticate: createAuthenticator({ kind: "hs256", secret: stack.jwtSecret }), logger: discard });
    const orgId = "bench-oauth";
    const token = await stack.adminToken(orgId);
    const pair = makeKeyPair("ec", { kid: "bench-k1" });
    const clientId = "0oabench";
    okta.register(clientId, pair.publicJwk, ["okta.users.read"]);
    const body = { name: "cc", method: "client-credentials", credentials: { instanceUrl: okta.origin, clientId, scopes: ["okta.users.read"], privateKey: pair.privateJwk } };
    const id: string = expectOk(await stack.call(app, token, "POST", BASE, body), "create client-credentials").appConnection.id;
    const before = okta.tokenRequests.length;
    const started = now();
    let ok = 0;
    for (let i = 0; i < featureSizes.tokenCalls; i++) {
      const r = await stack.call(app, token, "GET", `${BASE}/${id}/proxy/api/v1/users/me`);
      if (r.status === 200) ok++;
    }
    return { calls: featureSizes.tokenCalls, ok, tokenRequests: okta.tokenRequests.length - before, ms: now() - started };
  } finally {
    await okta.close();
  }
}

// --- Health sweep -------------------------------------------------------------------------------

interface OrgState {
  requests: number;
  refusals: number;
  /** Requests that arrived inside a Retry-After window: handled `at`, arrived no earlier than `arrivedAfter`. */
  inWindow: { from: number; at: number; arrivedAfter: number }[];
}

/** The fake Okta orgs of the health benchmark, in a child process (bench/lib/okta-orgs.mjs). */
async function startOrgs(count: number, token: string) {
  const child = fork(join(import.meta.dirname, "okta-orgs.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  // One answer per question; each listener goes once the other fires (no listener left per message).
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve, reject) => {
      const answered = (answer: unknown) => (child.off("error", failed), resolve(answer as T));
      const failed = (error: Error) => (child.off("message", answered), reject(error));
      child.once("message", answered);
      child.once("error", failed);
      child.send(message as never);
    });
  const { origins } = await ask<{ origins: string[] }>({ start: { count, token } });
  return {
    origins,
    hostPorts: origins.map((o) => new URL(o).host),
    /** Each org's refusals (429) and the requests that arrived inside its Retry-After windows. */
    async states() {
      return (await ask<{ states: OrgState[] }>("report")).states;
    },
    /** Resolves once no org is inside a Retry-After window. */
    quiet: () => ask<{ waitedMs: number }>("quiet"),
    close: () => void child.kill(),
  };
}

interface Seeded {
  orgId: string;
  projectId: string;
  id: string;
  origin: string;
  secret: SealedSecret;
  credentialsHash: string;
  health: unknown;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function healthSweep(stack: BenchStack) {
  const { healthOrgs, healthConnections, healthConcurrency } = featureSizes;
  const token = stack.oktaToken();
  // One org in ten throttles (429 + Retry-After) once per 100 requests.
  const orgs = await startOrgs(healthOrgs, token);
  const intervalSeconds = 3600;
  let clockMs = Date.now();
  const clock = () => new Date(clockMs);
  const orgId = "bench-health";
  try {
    // A template made through the API (so the item has every attribute the store writes), then
    // one item per connection, each with its own sealed token (the encryption context names the id).
    const admin = await stack.adminToken(orgId);
    const body = { name: "template", method: "api-token", credentials: { instanceUrl: stack.okta.origin, apiToken: token } };
    const template = await stack.rawConnection(orgId, expectOk(await stack.call(stack.app, admin, "POST", BASE, body), "create").appConnection.id);
    const sealer = createKmsSealer({ kms: stack.kms, keyId: stack.localKms.keyId });
    const seedStarted = now();
    const seeded: Seeded[] = Array.from({ length: healthConnections }, (_, i) => {
      return { orgId, projectId: `p-${i % healthOrgs}`, id: randomUUID(), origin: orgs.origins[i % healthOrgs]!, secret: undefined as never, credentialsHash: template.credentialsHash!.S!, health: undefined };
    });
    await eachLimit(seeded, 8, async (c) => void (c.secret = await sealer.seal(token, encryptionContext(c))));
    const dueAt = new Date(clockMs - 60_000).toISOString();
    const items: Item[] = seeded.map((c, i) => {
      const index = keys.connectionIndexKey(orgId, c.projectId, `h-${i}`);
      const due = keys.healthDueKey(orgId, c.id, dueAt);
      return {
        ...template,
        ...rawKey(keys.connectionKey(orgId, c.id)),
        GSI1PK: S(index.GSI1PK),
        GSI1SK: S(index.GSI1SK),
        GSI2PK: S(due.GSI2PK),
        GSI2SK: S(due.GSI2SK),
        id: S(c.id),
        name: S(`h-${i}`),
        projectId: S(c.projectId),
        instanceUrl: S(c.origin),
        secret: marshall({ s: { ...c.secret } }, { convertClassInstanceToMap: false }).s!,
      };
    });
    // The template itself is on another Okta: out of the sweep.
    await stack.dynamo.send(new UpdateItemCommand({ TableName: stack.tableName, Key: { PK: template.PK!, SK: template.SK! }, UpdateExpression: "REMOVE GSI2PK, GSI2SK" }));
    await batchWrite(stack, items);
    const seedMs = now() - seedStarted;

    const allowlist = orgs.hostPorts;

    /** The service: one sweep of the due index, checked in process (a fresh runtime: cold secret cache, fresh limiter). */
    let memory = { before: 0, after: 0, rssBefore: 0, rssAfter: 0 };
    const windows = { violations: 0, refusals: 0, inFlight: 0, lateBy: [] as number[] };
    const app = async () => {
      const parts = wireAccessParts(stack.wiring({ oktaInsecureAllowlist: allowlist }));
      const runtime = createHealthRuntime(parts, { intervalSeconds, concurrency: healthConcurrency, clock, logger: discard });
      // When the checker read each 429 (it pauses the org then): a client cannot honour a window
      // before it has read the answer that opened it.
      const readAt = new Map<string, number[]>();
      const pauseFor = runtime.limiter.pauseFor.bind(runtime.limiter);
      runtime.limiter.pauseFor = (org, ms) => (readAt.set(org, [...(readAt.get(org) ?? []), Date.now()]), pauseFor(org, ms));
      fullGc();
      const heap = process.memoryUsage();
      const before = await orgs.states();
      const outcomes = await runtime.sweepAndCheck();
      judgeWindows(windows, before, await orgs.states(), orgs.origins, readAt);
      const recorded = outcomes.filter((o) => o.outcome === "recorded").length;
      if (recorded !== healthConnections) throw new Error(`health sweep recorded ${recorded} of ${healthConnections} (${outcomes.length} due)`);
      fullGc();
      const end = process.memoryUsage();
      // The largest growth of any round, with the runtime (and its caches) still alive.
      if (end.heapUsed - heap.heapUsed > memory.after - memory.before) memory = { before: heap.heapUsed, after: end.heapUsed, rssBefore: heap.rss, rssAfter: end.rss };
      void runtime.limiter;
    };

    /** The floor: per connection, Decrypt + AES-GCM, one Okta call, the same health update; 2 at a time per org, hand-driven. */
    const floor = async () => {
      const byOrg = new Map<string, Seeded[]>();
      for (const c of seeded) byOrg.set(c.origin, [...(byOrg.get(c.origin) ?? []), c]);
      await Promise.all(
        [...byOrg.entries()].map(async ([origin, list]) => {
          let openAt = 0;
          await eachLimit(list, healthConcurrency, async (c) => {
            const apiToken = await sealer.open(c.secret, encryptionContext(c));
            for (let wait = openAt - Date.now(); wait > 0; wait = openAt - Date.now()) await new Promise((r) => setTimeout(r, wait));
            const answer = await loopbackAnswer(origin, apiToken);
            if (answer.retryAfter) openAt = Date.now() + answer.retryAfter * 1000;
            const checkedAt = clock().toISOString();
            const health = answer.status === 200 ? { status: "healthy", checkedAt, lastHealthyAt: checkedAt, consecutiveFailures: 0, error: null } : { status: "healthy", checkedAt, consecutiveFailures: 1, error: { error: "UpstreamRateLimited", message: "throttled" } };
            const due = keys.healthDueKey(orgId, c.id, new Date(clockMs + intervalSeconds * 1000).toISOString());
            await stack.dynamo.send(
              new UpdateItemCommand({
                TableName: stack.tableName,
                Key: rawKey(keys.connectionKey(orgId, c.id)),
                UpdateExpression: "SET #health = :health, GSI2PK = :duePk, GSI2SK = :dueSk",
                ConditionExpression: "attribute_exists(PK) AND credentialsHash = :checkedHash",
                ExpressionAttributeNames: { "#health": "health" },
                ExpressionAttributeValues: marshall({ ":health": health, ":duePk": due.GSI2PK, ":dueSk": due.GSI2SK, ":checkedHash": c.credentialsHash }),
              }),
            );
          });
        }),
      );
    };

    // Each round finds every connection due again: the clock moves on by an interval first.
    const advance = () => void (clockMs += (intervalSeconds + 600) * 1000);
    const rounds = Number(process.env.BENCH_HEALTH_ROUNDS ?? 2);
    // Each run starts once every window the other side's 429s opened has closed (a fresh runtime
    // cannot know of them: the first sweep after the floor otherwise "violated" a window it was never
    // told about), and times itself from there.
    const timed: Record<"sweep" | "floor", number[]> = { sweep: [], floor: [] };
    const WARMUP = 1;
    const run = (name: "sweep" | "floor", body: () => Promise<void>) => async (round: number) => {
      await orgs.quiet();
      advance();
      const started = now();
      await body();
      if (round >= WARMUP) timed[name].push(now() - started);
    };
    await interleave(
      [
        { name: "sweep", run: run("sweep", app) },
        { name: "floor", run: run("floor", floor) },
      ],
      // One round of each first, discarded: the first sweep after seeding ran ~40% slower whichever
      // side went first (DynamoDB Local's JVM compiling its index and batch paths), and without it
      // that side was always the service's.
      { rounds, warmup: WARMUP },
    );
    // What a sweep must do that the floor leaves out: find what is due (the due index, page by
    // page) and read each due record. Timed alone, one page after another, for context.
    const reader = wireAccessParts(stack.wiring());
    advance();
    const readStarted = now();
    await sweepDue({ store: reader.store, clock, dispatch: async (page) => void (await reader.store.getManyById(page)) });
    const readMs = now() - readStarted;
    const perSecond = (samples: number[]) => healthConnections / (median(samples) / 1000);
    return {
      seedMs,
      readMs,
      sweepMs: median(timed.sweep),
      rounds,
      app: perSecond(timed.sweep),
      floor: perSecond(timed.floor),
      windows,
      heapGrowthMb: (memory.after - memory.before) / 2 ** 20,
      rssGrowthMb: (memory.rssAfter - memory.rssBefore) / 2 ** 20,
    };
  } finally {
    orgs.close();
  }
}

/** Transit on loopback, and the checker's own turn: a request handled this soon after the 429 was read was on its way. */
const GRACE_MS = 20;

/**
 * Sorts the requests that arrived inside a Retry-After window during one sweep: `violations` surely
 * left after the checker had read the 429 that opened the window (they arrived more than GRACE_MS
 * after it), `inFlight` may have left before (a busy event loop reads a 429 tens of milliseconds
 * after it arrives; meanwhile a connection made earlier may send its request).
 */
function judgeWindows(
  into: { violations: number; refusals: number; inFlight: number; lateBy: number[] },
  before: OrgState[],
  after: OrgState[],
  origins: string[],
  readAt: Map<string, number[]>,
) {
  after.forEach((state, k) => {
    into.refusals += state.refusals - before[k]!.refusals;
    for (const hit of state.inWindow.slice(before[k]!.inWindow.length)) {
      // A 429 the checker never read is judged from when it was sent.
      const read = (readAt.get(origins[k]!) ?? []).find((t) => t >= hit.from) ?? hit.from;
      if (hit.arrivedAfter > read + GRACE_MS) into.violations++, into.lateBy.push(hit.at - read);
      else into.inFlight++;
    }
  });
}

/** One GET /api/v1/users/me on a fresh connection; its status and Retry-After. */
function loopbackAnswer(origin: string, apiToken: string): Promise<{ status: number; retryAfter?: number }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: "/api/v1/users/me", headers: { Authorization: `SSWS ${apiToken}`, Accept: "application/json" }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          JSON.parse(Buffer.concat(chunks).toString("utf8"));
          const ra = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, ...(ra ? { retryAfter: Number(ra) } : {}) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

// --- Provisioning through the SQS handler -------------------------------------------------------

export async function provisioning(stack: BenchStack) {
  const { provisionMessages, provisionBatch } = featureSizes;
  const idempotencyTable = `bench-idem-${randomUUID()}`;
  await ensureIdempotencyTable(stack.dynamo, idempotencyTable);
  const service = wireConnectionService(stack.wiring());
  const idempotency = createIdempotencyStore(stack.dynamo, idempotencyTable);
  const queueArn = "arn:aws:sqs:us-east-1:123456789012:bench-provisioning";
  const orgId = "bench-provision";
  const projectId = "p-provision";
  const batches = provisionMessages / provisionBatch;
  // Messages and tokens made before the clock starts: neither side pays for them.
  const messages = Array.from({ length: batches }, (_, b) =>
    Array.from({ length: provisionBatch }, (_, i) => ({
      specVersion: 1,
      requestId: `bench-${b}-${i}-${randomUUID()}`,
      type: "app-connection.upsert",
      orgId,
      projectId,
      name: `sqs-${b}-${i}`,
      credentials: { instanceUrl: stack.okta.origin, apiToken: stack.oktaToken() },
    })),
  );
  const direct = (tag: string) => Array.from({ length: batches }, (_, b) => Array.from({ length: provisionBatch }, (_, i) => ({ name: `${tag}-${b}-${i}`, apiToken: stack.oktaToken() })));
  const [sequential, together] = [direct("direct"), direct("together")];
  let failures = 0;
  const upsert = async (d: { name: string; apiToken: string }) => {
    const ctx = { actor: { type: "provisioning" as const, id: "bench", orgId }, reqId: randomUUID() };
    const credentials = credentialsInput("api-token", { instanceUrl: stack.okta.origin, apiToken: d.apiToken });
    const result = await service.upsertByName(ctx, { projectId, name: d.name, description: null, method: "api-token", credentials });
    if (result.outcome !== "created") failures++;
  };
  const series = await interleave(
    [
      {
        name: "SQS handler",
        run: async (b) => {
          // A fresh handler per invocation, as on Lambda.
          const handler = createProvisionHandler({ service, idempotency, logger: discard });
          const records = messages[b]!.map((m) => sqsRecord(JSON.stringify(m), { messageId: randomUUID(), receiveCount: 1, queueArn }));
          const out = await handler({ Records: records }, lambdaContext("bench-provision", 60_000));
          failures += out.batchItemFailures.length;
        },
      },
      // The floor: the same creates, one after another.
      {
        name: "upsertByName",
        run: async (b) => {
          for (const d of sequential[b]!) await upsert(d);
        },
      },
      // Context: the same creates of a batch all at once, as the handler runs a batch's distinct names.
      { name: "upsertByName, a batch at once", run: async (b) => void (await Promise.all(together[b]!.map(upsert))) },
    ],
    { rounds: batches, warmup: 0 },
  );
  const sum = (s: number[]) => s.reduce((a, b) => a + b, 0);
  const perSecond = (samples: number[]) => provisionMessages / (sum(samples) / 1000);
  return { app: perSecond(series[0]!.samples), floor: perSecond(series[1]!.samples), floorTogether: perSecond(series[2]!.samples), failures };
}
