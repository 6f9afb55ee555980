/**
 * The in-process measurements: each one runs the app and its floor interleaved on the same
 * DynamoDB Local, local KMS endpoint and fake Okta, through the same client instances.
 */
import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import {
  BatchWriteItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { marshall } from "@aws-sdk/util-dynamodb";
import { Hono } from "hono";
import { encryptionContext } from "../../functions/core/connections/sealing";
import { createKmsSealer } from "../../functions/core/crypto/envelope";
import * as keys from "../../functions/core/storage/keys";
import { BASE, expectOk, rawKey, type BenchStack } from "./stack";
import { interleave, median, now, percentile, type Series } from "./stats";

type Item = Record<string, AttributeValue>;
const S = (value: string): AttributeValue => ({ S: value });

const sizes = {
  requestRounds: Number(process.env.BENCH_GET_ROUNDS ?? 2_000),
  createRounds: Number(process.env.BENCH_CREATE_ROUNDS ?? 300),
  listRounds: Number(process.env.BENCH_LIST_ROUNDS ?? 300),
  wholeRounds: Number(process.env.BENCH_WHOLE_ROUNDS ?? 5),
  bigProject: Number(process.env.BENCH_BIG_PROJECT ?? 10_000),
  cryptoRounds: Number(process.env.BENCH_CRYPTO_ROUNDS ?? 1_000),
};
export const benchSizes = sizes;

/** p50 and p99 of each series and the ratios of the first to the second. */
export function compare(app: Series, floor: Series) {
  const a = { p50: median(app.samples), p99: percentile(app.samples, 99), n: app.samples.length };
  const f = { p50: median(floor.samples), p99: percentile(floor.samples, 99), n: floor.samples.length };
  return { app: a, floor: f, p50Ratio: a.p50 / f.p50, p99Ratio: a.p99 / f.p99 };
}

// --- Request overhead: GET by id vs a bare Hono route doing the same GetItem --------------------

export async function requestOverhead(stack: BenchStack) {
  const orgId = "bench-get";
  const token = await stack.adminToken(orgId);
  const created = expectOk(await stack.call(stack.app, token, "POST", BASE, stack.createBody("get-target", "p-get")), "create");
  const id: string = created.appConnection.id;
  const path = `${BASE}/${id}`;
  const key = rawKey(keys.connectionKey(orgId, id));
  // The one storage round trip the read needs, with the store's own read settings.
  const getItem = () => stack.dynamo.send(new GetItemCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }));
  // The floor (issue 17): a bare Hono route that does the same GetItem and answers its item as
  // JSON, called the same way (same path, same headers). What the app adds beyond it is ours.
  const bare = new Hono();
  bare.get(`${BASE}/:id`, async (c) => c.json({ appConnection: (await getItem()).Item }));
  // And a token the app has not seen before, each time: the full JWT verification.
  const warmup = 300;
  const fresh = await Promise.all(Array.from({ length: warmup + sizes.requestRounds }, (_, i) => stack.adminToken(orgId, `fresh-${i}`)));
  const viaApp = async (target: { request: Hono["request"] }, bearer: string) => {
    const r = await target.request(path, { headers: { authorization: `Bearer ${bearer}` } });
    await r.text();
    if (r.status !== 200) throw new Error(`GET by id: HTTP ${r.status}`);
  };
  const series = await interleave(
    [
      { name: "app", run: () => viaApp(stack.app, token) },
      { name: "bare Hono route", run: () => viaApp(bare, token) },
      {
        name: "bare GetItem",
        run: async () => {
          if (!(await getItem()).Item) throw new Error("GetItem found nothing");
        },
      },
      { name: "app, new token", run: (i) => viaApp(stack.app, fresh[i]!) },
    ],
    { rounds: sizes.requestRounds, warmup },
  );
  return { ...compare(series[0]!, series[1]!), framework: compare(series[1]!, series[2]!), newToken: compare(series[3]!, series[1]!) };
}

// --- Create overhead: the full create vs name check + GenerateDataKey + AES-GCM + TransactWriteItems + one loopback call

/** One GET /api/v1/users/me on a fresh loopback connection, as the Okta client makes it (no pooled socket). */
export async function loopbackCall(origin: string, apiToken: string): Promise<number> {
  return (await loopbackGet(origin, apiToken)).status;
}

/** The same GET, its answer read to the end (as the Okta client reads it). */
export function loopbackGet(origin: string, apiToken: string): Promise<{ status: number; body: Buffer; contentType: string }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: "/api/v1/users/me",
        headers: { Authorization: `SSWS ${apiToken}`, Accept: "application/json" },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers["content-type"] ?? "") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The create's floor (issue 17) in one org and project: `floor(i, nameCheck, fullItem)`. */
export function createFloor(stack: BenchStack, orgId: string, projectId: string) {
  const { tableName: TableName, kms, dynamo, okta } = stack;

  // The least any implementation must do (issue 17's floor): check the name is free (the contract
  // orders it before Okta), check the token with Okta, get a data key, encrypt, and write the
  // connection, its name lock and its audit event in one transaction.
  /** `input`: the name and token a request body brought (the route floor); else its own. */
  async function floor(i: number, nameCheck: boolean, fullItem = false, input?: { name: string; apiToken: string }) {
    const name = input?.name ?? `floor-${nameCheck ? "n" : "b"}${fullItem ? "f" : ""}-${i}`;
    const apiToken = input?.apiToken ?? stack.oktaToken();
    if (nameCheck) {
      const lock = keys.nameLockKey(orgId, projectId, name);
      await dynamo.send(new GetItemCommand({ TableName, Key: rawKey(lock), ConsistentRead: true, ProjectionExpression: "PK" }));
    }
    if ((await loopbackCall(okta.origin, apiToken)) !== 200) throw new Error("fake Okta refused the floor's token");
    const id = randomUUID();
    const context = encryptionContext({ orgId, projectId, id });
    const key = await kms.send(new GenerateDataKeyCommand({ KeyId: stack.localKms.keyId, KeySpec: "AES_256", EncryptionContext: context }));
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key.Plaintext!, iv);
    const ciphertext = Buffer.concat([cipher.update(apiToken, "utf8"), cipher.final()]);
    const at = new Date().toISOString();
    const record = {
      id,
      orgId,
      projectId,
      name,
      description: null,
      instanceUrl: okta.origin,
      version: 1,
      createdAt: at,
      updatedAt: at,
      credentialsHash: "0".repeat(64),
      secret: { formatVersion: 2 as const, encryptedDataKey: key.CiphertextBlob!, iv, ciphertext, tag: cipher.getAuthTag() },
    };
    // fullItem: the fields the contract added since (method, proxy policy, health) and the health
    // schedule's due-index entry (a second index DynamoDB keeps), as the app writes them.
    const due = new Date(Date.parse(at) + 86_400_000).toISOString();
    const later = fullItem
      ? { ...keys.healthDueKey(orgId, id, due), method: "api-token", proxy: { allow: ["GET /api/v1/**"] }, health: { status: "healthy", checkedAt: at, lastHealthyAt: at, error: null } }
      : {};
    const item = marshall({ ...keys.connectionKey(orgId, id), ...keys.connectionIndexKey(orgId, projectId, name), type: "connection", ...record, ...later });
    const lock = marshall({ ...keys.nameLockKey(orgId, projectId, name), type: "name-lock", connectionId: id });
    const eventId = randomUUID();
    const audit = marshall({
      ...keys.auditKey(orgId, projectId, at, eventId),
      type: "audit",
      id: eventId,
      action: "create-app-connection",
      actor: { type: "user", id: "bench-admin" },
      connectionId: id,
      orgId,
      projectId,
      reqId: randomUUID(),
      createdAt: at,
      metadata: { name, app: "okta" },
    });
    const condition = "attribute_not_exists(PK)";
    await dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: item, ConditionExpression: condition } },
          { Put: { TableName, Item: lock, ConditionExpression: condition } },
          { Put: { TableName, Item: audit, ConditionExpression: condition } },
        ],
      }),
    );
    // What a create answers: the connection as written, without its secret.
    const { secret: _sealed, ...written } = { ...record, ...later };
    return written;
  }

  return floor;
}

export async function createOverhead(stack: BenchStack) {
  const orgId = "bench-create";
  const projectId = "p-create";
  const token = await stack.adminToken(orgId);
  const floor = createFloor(stack, orgId, projectId);
  // The same floor behind a bare Hono route reading the request's JSON body and answering JSON,
  // called the same way as the app (issue 17's floor for GET by id is such a route, too).
  const bare = new Hono();
  bare.post(BASE, async (c) => {
    const body = (await c.req.json()) as { name: string; credentials: { apiToken: string } };
    // The item the contract has the app write (method, proxy policy, health, the due-index entry).
    return c.json({ appConnection: await floor(0, true, true, { name: body.name, apiToken: body.credentials.apiToken }) });
  });

  const series = await interleave(
    [
      {
        name: "app",
        run: async (i) => {
          const r = await stack.call(stack.app, token, "POST", BASE, stack.createBody(`app-${i}`, projectId));
          if (r.status !== 200) throw new Error(`create: HTTP ${r.status} ${r.text}`);
        },
      },
      { name: "floor (with the name check)", run: (i) => floor(i, true, true) },
      { name: "floor without the name check", run: (i) => floor(i, false, true) },
      { name: "floor writing the first contract's smaller item", run: (i) => floor(i, true) },
      {
        name: "the floor behind a bare Hono route",
        run: async (i) => {
          const r = await stack.call(bare as unknown as BenchStack["app"], token, "POST", BASE, stack.createBody(`route-${i}`, projectId));
          if (r.status !== 200) throw new Error(`route floor: HTTP ${r.status} ${r.text}`);
        },
      },
    ],
    { rounds: sizes.createRounds, warmup: 100 },
  );
  return {
    ...compare(series[0]!, series[4]!),
    direct: compare(series[0]!, series[1]!),
    withoutNameCheck: compare(series[0]!, series[2]!),
    smallerItem: compare(series[0]!, series[3]!),
  };
}

// --- List at scale ------------------------------------------------------------------------------

export async function batchWrite(stack: BenchStack, items: Item[], concurrency = 4) {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: WriteRequest[] = batches[next++]!;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 20) throw new Error("BatchWriteItem kept leaving items unprocessed");
        const out = await stack.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: pending } }));
        pending = out.UnprocessedItems?.[stack.tableName] ?? [];
        if (pending.length) await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const nameAt = (i: number) => `conn-${String(i).padStart(5, "0")}`;

/**
 * A project of `count` connections: two made through the API, the rest clones of the first one's
 * raw items (connection and name lock, keys from keys.ts) with new ids and names, written with
 * BatchWriteItem. The clones' sealed tokens stay bound to the original id: lists never open them.
 */
async function seedProject(stack: BenchStack, orgId: string, projectId: string, count: number) {
  const token = await stack.adminToken(orgId);
  const first = expectOk(await stack.call(stack.app, token, "POST", BASE, stack.createBody(nameAt(0), projectId)), "seed create");
  expectOk(await stack.call(stack.app, token, "POST", BASE, stack.createBody(nameAt(1), projectId)), "seed create");
  const template = await stack.rawConnection(orgId, first.appConnection.id);
  const lockOut = await stack.dynamo.send(
    new GetItemCommand({ TableName: stack.tableName, Key: rawKey(keys.nameLockKey(orgId, projectId, nameAt(0))), ConsistentRead: true }),
  );
  const lockTemplate = lockOut.Item!;
  const items: Item[] = [];
  for (let i = 2; i < count; i++) {
    const id = randomUUID();
    const name = nameAt(i);
    const index = keys.connectionIndexKey(orgId, projectId, name);
    items.push({ ...template, ...rawKey(keys.connectionKey(orgId, id)), GSI1PK: S(index.GSI1PK), GSI1SK: S(index.GSI1SK), id: S(id), name: S(name) });
    items.push({ ...lockTemplate, ...rawKey(keys.nameLockKey(orgId, projectId, name)), connectionId: S(id) });
  }
  await batchWrite(stack, items);
  return token;
}

export async function listAtScale(stack: BenchStack) {
  const seedStarted = now();
  // Each project in an org of its own: the big page is read from a GSI partition of 10,000 items,
  // the small one from a partition of 50.
  const bigToken = await seedProject(stack, "bench-big", "p-big", sizes.bigProject);
  const smallToken = await seedProject(stack, "bench-small", "p-small", 50);
  const seedMs = now() - seedStarted;

  const page = async (token: string, projectId: string) => {
    const body = expectOk(await stack.call(stack.app, token, "GET", `${BASE}?projectId=${projectId}&limit=50`), "list page");
    if (body.appConnections.length !== 50) throw new Error(`list page of ${projectId}: ${body.appConnections.length} items`);
  };
  const series = await interleave(
    [
      { name: "10,000", run: () => page(bigToken, "p-big") },
      { name: "50", run: () => page(smallToken, "p-small") },
    ],
    { rounds: sizes.listRounds, warmup: 30 },
  );

  // The whole org, paged to the end (limit 100, the most a page may hold), against bare Query paging.
  const wholeApp = async () => {
    let count = 0;
    let cursor: string | undefined;
    do {
      const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const body = expectOk(await stack.call(stack.app, bigToken, "GET", `${BASE}?limit=100${q}`), "org listing");
      count += body.appConnections.length;
      cursor = body.nextCursor;
    } while (cursor);
    if (count !== sizes.bigProject) throw new Error(`org listing returned ${count} items`);
  };
  const { GSI1PK, GSI1SKPrefix } = keys.scopeQuery("bench-big", "*");
  const wholeFloor = async () => {
    let count = 0;
    let start: Item | undefined;
    do {
      const out = await stack.dynamo.send(
        new QueryCommand({
          TableName: stack.tableName,
          IndexName: keys.GSI1,
          KeyConditionExpression: "GSI1PK = :pk AND begins_with(GSI1SK, :prefix)",
          ExpressionAttributeValues: { ":pk": S(GSI1PK), ":prefix": S(GSI1SKPrefix) },
          Limit: 100,
          ExclusiveStartKey: start,
        }),
      );
      count += out.Items?.length ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    if (count !== sizes.bigProject) throw new Error(`floor listing returned ${count} items`);
  };
  const whole = await interleave(
    [
      { name: "app", run: wholeApp },
      { name: "floor", run: wholeFloor },
    ],
    { rounds: sizes.wholeRounds, warmup: 1 },
  );
  const perSecond = (s: Series) => sizes.bigProject / (median(s.samples) / 1000);
  return {
    page: compare(series[0]!, series[1]!),
    seedMs,
    whole: { items: sizes.bigProject, n: sizes.wholeRounds, app: perSecond(whole[0]!), floor: perSecond(whole[1]!), appMs: median(whole[0]!.samples) },
  };
}

// --- AWS calls per operation --------------------------------------------------------------------

export interface CallRow {
  operation: string;
  dynamo: Record<string, number>;
  kms: Record<string, number>;
  kmsServer: number;
  okta: number;
  budget: string;
  ok: boolean;
}

export async function awsCalls(stack: BenchStack): Promise<CallRow[]> {
  const orgId = "bench-calls";
  const projectId = "p-calls";
  const token = await stack.adminToken(orgId);
  const rows: CallRow[] = [];
  const sum = (o: Record<string, number>) => Object.values(o).reduce((n, v) => n + v, 0);

  async function spend(operation: string, method: string, path: string, body: unknown, budget: string, within: (r: CallRow) => boolean) {
    const kmsServerBefore = sum(stack.localKms.counts);
    const oktaBefore = stack.okta.requests.length;
    stack.calls.reset();
    const result = expectOk(await stack.call(stack.countedApp, token, method, path, body), operation);
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(stack.calls.counts)
          .filter(([k]) => k.startsWith(prefix + ":"))
          .map(([k, v]) => [k.slice(prefix.length + 1).replace(/Command$/, ""), v]),
      );
    const row: CallRow = {
      operation,
      dynamo: pick("dynamodb"),
      kms: pick("kms"),
      kmsServer: sum(stack.localKms.counts) - kmsServerBefore,
      okta: stack.okta.requests.length - oktaBefore,
      budget,
      ok: false,
    };
    row.ok = within(row) && row.kmsServer === sum(row.kms);
    rows.push(row);
    return result;
  }
  const d = (r: CallRow) => sum(r.dynamo);
  const k = (r: CallRow) => sum(r.kms);
  const noKms = (r: CallRow) => k(r) === 0 && r.kmsServer === 0;

  const created = await spend("create", "POST", BASE, stack.createBody("calls-a", projectId), "1 GenerateDataKey + ≤ 2 DynamoDB + 1 Okta", (r) =>
    r.kms.GenerateDataKey === 1 && k(r) === 1 && d(r) <= 2 && r.okta === 1,
  );
  const id: string = created.appConnection.id;
  await spend("get", "GET", `${BASE}/${id}`, undefined, "1 DynamoDB, no KMS", (r) => d(r) === 1 && noKms(r) && r.okta === 0);
  await spend("get by name", "GET", `${BASE}/connection-name/calls-a?projectId=${projectId}`, undefined, "2 consistent GetItems, no KMS", (r) =>
    r.dynamo.GetItem === 2 && d(r) === 2 && noKms(r) && r.okta === 0,
  );
  await spend("list page", "GET", `${BASE}?projectId=${projectId}&limit=50`, undefined, "1 Query, no KMS", (r) =>
    r.dynamo.Query === 1 && d(r) === 1 && noKms(r) && r.okta === 0,
  );
  await spend("update, no credentials", "PATCH", `${BASE}/${id}`, { description: "bench" }, "≤ 2 DynamoDB, no KMS, no Okta", (r) =>
    d(r) <= 2 && noKms(r) && r.okta === 0,
  );
  await spend(
    "update with credentials",
    "PATCH",
    `${BASE}/${id}`,
    { credentials: { instanceUrl: stack.okta.origin, apiToken: stack.oktaToken() } },
    "≤ 3 DynamoDB + 1 KMS + 1 Okta",
    (r) => d(r) <= 3 && r.kms.GenerateDataKey === 1 && k(r) === 1 && r.okta === 1,
  );
  await spend("rename", "PATCH", `${BASE}/${id}`, { name: "calls-b" }, "≤ 3 DynamoDB, no KMS, no Okta", (r) => d(r) <= 3 && noKms(r) && r.okta === 0);
  // Validate records the health it found (contract section 8): one conditional UpdateItem after the read.
  await spend("validate", "POST", `${BASE}/${id}/validate`, undefined, "1 GetItem + 1 UpdateItem (its health record) + 1 Decrypt + 1 Okta", (r) =>
    r.dynamo.GetItem === 1 && r.dynamo.UpdateItem === 1 && d(r) === 2 && r.kms.Decrypt === 1 && k(r) === 1 && r.okta === 1,
  );
  await spend("delete", "DELETE", `${BASE}/${id}`, undefined, "≤ 2 DynamoDB, no KMS, no Okta", (r) => d(r) <= 2 && noKms(r) && r.okta === 0);
  return rows;
}

// --- Envelope crypto ----------------------------------------------------------------------------

export async function envelopeCrypto(stack: BenchStack) {
  const sealer = createKmsSealer({ kms: stack.kms, keyId: stack.localKms.keyId });
  const context = { orgId: "bench-crypto", projectId: "p-crypto", connectionId: randomUUID(), app: "okta" };
  const secret = stack.oktaToken();
  const sealed = await sealer.seal(secret, context);
  const series = await interleave(
    [
      { name: "seal", run: () => sealer.seal(secret, context) },
      {
        name: "open",
        run: async () => {
          if ((await sealer.open(sealed, context)) !== secret) throw new Error("open returned another secret");
        },
      },
    ],
    { rounds: sizes.cryptoRounds, warmup: 100 },
  );
  return { seal: median(series[0]!.samples), open: median(series[1]!.samples) };
}
