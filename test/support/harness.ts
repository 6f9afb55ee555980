import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { expect, inject } from "vitest";
import { createApp } from "../../functions/api/app";
import { createAuthenticator, type AuthOptions } from "../../functions/api/auth";
import { wireApiParts } from "../../functions/core/compose";
import { createKmsClient } from "../../functions/core/crypto/kms-client";
import { startLocalKms } from "../../functions/core/crypto/local-kms";
import { createLogger } from "../../functions/core/logger";
import type { Resolver } from "../../functions/core/okta/url-guard";
import { createDynamoClient } from "../../functions/core/storage/dynamo-client";
import { ensureTable } from "../../functions/core/storage/table";
import { mintDevToken, type DevClaims } from "../../functions/local/dev-token";
import { serveApp } from "../../functions/local/serve";
import { countCalls } from "./aws-calls";
import { scanAll } from "./scan";
import { sampleToken, startFakeOkta } from "./fake-okta";

export const TEST_JWT_SECRET = "test-only-hs256-secret-for-the-suite";

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * The service on real parts: a fresh table on the suite's DynamoDB Local, the local KMS endpoint,
 * the real SDK clients, a fake Okta on loopback, and the app behind a real HTTP server.
 */
/** The test services' `credentialsHash` key, unless a test gives its own. */
export const TEST_CREDENTIALS_HASH_KEY = "test-credentials-hash-key-0123456789abcdef";

export async function startHarness(
  opts: {
    oktaTimeoutMs?: number;
    resolve?: Resolver;
    awsMaxAttempts?: number;
    credentialsHashKey?: string;
    /** Host names (resolved by `resolve`) allowed like the fake Okta's own address, on its port. */
    oktaNames?: string[];
    /** More fake Okta orgs (`host:port`) the service may call. */
    allowOkta?: string[];
    auth?: AuthOptions;
    cursorClock?: () => number;
    now?: () => number;
  } = {},
) {
  const credentialsHashKey = opts.credentialsHashKey ?? TEST_CREDENTIALS_HASH_KEY;
  const tableName = `test-${randomUUID()}`;
  const dynamodb = createDynamoClient({ endpoint: inject("dynamoEndpoint"), maxAttempts: opts.awsMaxAttempts });
  await ensureTable(dynamodb, tableName);
  const localKms = await startLocalKms({});
  const kms = createKmsClient({ endpoint: localKms.endpoint, maxAttempts: opts.awsMaxAttempts });
  const okta = await startFakeOkta();
  const logs: string[] = [];
  const calls = countCalls({ dynamodb, kms });
  const logger = createLogger((line) => logs.push(line));
  const parts = wireApiParts({
    dynamo: dynamodb,
    tableName,
    kms,
    kmsKeyId: localKms.keyId,
    cursorSecret: "test-cursor-secret-0123456789",
    credentialsHashKey,
    oktaInsecureAllowlist: [okta.hostPort, ...(opts.oktaNames ?? []).map((name) => `${name}:${new URL(okta.origin).port}`), ...(opts.allowOkta ?? [])],
    oktaTimeoutMs: opts.oktaTimeoutMs ?? 1_000,
    resolve: opts.resolve,
    cursorClock: opts.cursorClock,
    now: opts.now,
    logger,
  });
  const { service, proxy } = parts;
  const app = createApp({
    service,
    proxy,
    authenticate: createAuthenticator(opts.auth ?? { kind: "hs256", secret: TEST_JWT_SECRET }),
    logger,
  });
  const server = serveApp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((ready) => server.once("listening", ready));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let tokenSeed = 0;
  const harness = {
    app,
    base,
    okta,
    /** The "authorize a request to Okta" port the service uses (the proxy's entry point). */
    access: parts.okta,
    store: parts.store,
    logs,
    calls,
    dynamodb,
    kmsClient: kms,
    tableName,
    localKms,
    credentialsHashKey,
    /** A token Okta accepts; each call a new one unless `seed` is given. */
    validOktaToken(seed: string | number = `t${++tokenSeed}-${randomUUID()}`) {
      const token = sampleToken(seed);
      okta.validTokens.add(token);
      return token;
    },
    token: (claims: Partial<DevClaims> & { orgId: string }) => mintDevToken(TEST_JWT_SECRET, { sub: "user-1", ...claims }),
    async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers["content-type"] ??= "application/json";
      }
      const response = await fetch(base + path, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed as T, text };
    },
    /** Every raw item of this harness's table, as DynamoDB stores it. */
    scan: () => scanAll(dynamodb, tableName),
    /**
     * What a refused request must leave as it was: the table's bytes and the requests Okta has
     * seen, taken now. `check` fails unless both are unchanged (or Okta saw exactly `oktaCalls`).
     */
    async untouched() {
      const table = rawText(await scanAll(dynamodb, tableName));
      const oktaSeen = okta.requests.length;
      const oktaCalls = () => okta.requests.length - oktaSeen;
      const tableUnchanged = async (label?: string) => expect(rawText(await scanAll(dynamodb, tableName)), label).toBe(table);
      return {
        oktaCalls,
        tableUnchanged,
        async check(label?: string, expectedOktaCalls = 0) {
          expect(oktaCalls(), label ?? "requests that reached the fake Okta").toBe(expectedOktaCalls);
          await tableUnchanged(label);
        },
      };
    },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await okta.close();
      await localKms.close();
      dynamodb.destroy();
      kms.destroy();
    },
  };
  return harness;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Create body in Infisical's documented shape. */
export const createBody = (h: Harness, name: string, extra: Record<string, unknown> = {}, apiToken = h.validOktaToken()) => ({
  name,
  method: "api-token",
  credentials: { instanceUrl: h.okta.origin, apiToken },
  ...extra,
});

/** Bytes of a raw table scan, for byte-for-byte comparisons and secret searches. */
export const rawText = (items: unknown) =>
  JSON.stringify(items, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value));
