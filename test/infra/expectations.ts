/**
 * What the stack must provide, taken from the code itself (never a copy): the routes `createApp`
 * serves, the key design, the encryption context, and the DynamoDB calls the store makes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp, routeList } from "../../functions/api/app";
import { DOCS_SCRIPT_PATH } from "../../functions/api/docs";
import { PROVISIONING_MARK_TTL_SECONDS } from "../../functions/core/connections/provisioning";
import { encryptionContext } from "../../functions/core/connections/sealing";
import { TABLE_SCHEMA } from "../../functions/core/storage/keys";
import { IDEMPOTENCY_TABLE_SCHEMA, IDEMPOTENCY_TTL_SECONDS } from "../../functions/provision/idempotency";
import { ROOT } from "./synth";

export interface TableExpectation {
  partitionKey: string;
  sortKey: string;
  indexes: readonly { name: string; partitionKey: string; sortKey: string; projection: string }[];
  ttlAttribute?: string;
}

export interface Expectations {
  /** `METHOD /path` as Hono registers them. */
  routes: string[];
  /** Paths the contract serves without a bearer token. */
  publicPaths: string[];
  /** The web console's pages, also public: the gateway routes allowed for them, and the app paths they cover. */
  consoleRoutes: string[];
  isConsolePath: (path: string) => boolean;
  table: TableExpectation;
  /** What the code sends for an org-level and for a project connection. */
  encryptionContexts: Record<string, string>[];
  dynamoActions: { table: string[]; indexes: string[] };
  production: boolean;
  auth: { issuer: string; audience: string };
  provisioning: ProvisioningExpectation;
}

export interface ProvisioningExpectation {
  /** Powertools' table, as functions/provision/idempotency.ts builds it. */
  idempotencyTable: { partitionKey: string; ttlAttribute: string };
  /** How long a requestId is remembered, and a name's provisioning watermark kept: a queue must not keep a message longer. */
  idempotencyTtlSeconds: number;
  markTtlSeconds: number;
  /** The DynamoDB actions of the intake: on the connections table, and on the idempotency table. */
  tableActions: string[];
  idempotencyActions: string[];
  /** What the intake may do with the connections key. */
  connectionsKeyActions: string[];
  /** The principals the deployer named in PROVISIONING_PRODUCERS: the only ones that may send to the intake. */
  producers: string[];
}

/** createApp only stores its dependencies at construction; no route runs here. */
export function appRoutes(): string[] {
  const unused = () => {
    throw new Error("not called while listing routes");
  };
  const app = createApp({
    service: new Proxy({}, { get: unused }) as never,
    proxy: new Proxy({}, { get: unused }) as never,
    authenticate: unused,
    logger: { info() {}, warn() {}, error() {} },
  });
  return routeList(app);
}

/**
 * The IAM actions the DynamoDB store needs, read from its source: each `new XCommand(` and, inside
 * TransactWriteItems, each `Put:` / `Update:` / `Delete:` / `ConditionCheck:` item (IAM authorises
 * those as PutItem, UpdateItem, DeleteItem and ConditionCheckItem).
 */
export function dynamoActionsUsedBy(source: string): { table: string[]; indexes: string[] } {
  const commands = new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!));
  const actions = new Set<string>();
  for (const command of commands) {
    if (command === "TransactWriteItems") {
      const items = new Set([...source.matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)].map((m) => m[1]!));
      for (const item of items) actions.add(`dynamodb:${item}Item`);
    } else if (command === "TransactGetItems") {
      actions.add("dynamodb:GetItem");
    } else {
      actions.add(`dynamodb:${command}`);
    }
  }
  const readsIndexes = /IndexName\s*:/.test(source);
  const indexActions = readsIndexes ? [...actions].filter((a) => a === "dynamodb:Query" || a === "dynamodb:Scan") : [];
  return { table: [...actions].sort(), indexes: indexActions.sort() };
}

export const STORE_SOURCE = join(ROOT, "functions", "core", "storage", "dynamo-store.ts");

/** The persistence layer the intake's idempotency runs on (its DynamoDB calls are read like the store's). */
export const IDEMPOTENCY_SOURCE = join(
  ROOT,
  "node_modules",
  "@aws-lambda-powertools",
  "idempotency",
  "lib",
  "esm",
  "persistence",
  "DynamoDBPersistenceLayer.js",
);

/**
 * The intake reads by key only (GetItem) and writes in transactions of Put, Update and Delete items
 * (functions/core/connections/provisioning.ts through the store); it never opens a stored token, so it
 * only makes data keys. A subset of the store's own actions, checked below.
 */
export const PROVISION_TABLE_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];
export const PROVISION_KEY_ACTIONS = ["kms:GenerateDataKey"];

export const TEST_AUTH = {
  issuer: "https://issuer.example.com/oauth2/default",
  audience: "api://okta-app-connections",
};

/** The producers the synthesized stacks admit to the intake queue. */
export const TEST_PRODUCERS = ["arn:aws:iam::111122223333:role/cmdb-sync", "arn:aws:iam::444455556666:role/terraform-runner"];

/** The deploy-time environment the synthesized stacks get. */
export const DEPLOY_ENV = {
  AUTH_ISSUER: TEST_AUTH.issuer,
  AUTH_AUDIENCE: TEST_AUTH.audience,
  PROVISIONING_PRODUCERS: ` ${TEST_PRODUCERS[0]}, ${TEST_PRODUCERS[1]} `,
};

export function expectationsFromCode(production: boolean): Expectations {
  return {
    routes: appRoutes(),
    publicPaths: ["/healthz", "/openapi.json", "/docs", DOCS_SCRIPT_PATH],
    consoleRoutes: ["GET /", "GET /console", "GET /console/{proxy+}"],
    isConsolePath: (path) => path === "/" || path === "/console" || path.startsWith("/console/"),
    table: TABLE_SCHEMA as TableExpectation,
    encryptionContexts: [
      encryptionContext({ orgId: "org-1", projectId: null, id: "connection-1" }),
      encryptionContext({ orgId: "org-1", projectId: "project-1", id: "connection-2" }),
    ],
    dynamoActions: dynamoActionsUsedBy(readFileSync(STORE_SOURCE, "utf8")),
    production,
    auth: TEST_AUTH,
    provisioning: {
      idempotencyTable: IDEMPOTENCY_TABLE_SCHEMA,
      idempotencyTtlSeconds: IDEMPOTENCY_TTL_SECONDS,
      markTtlSeconds: PROVISIONING_MARK_TTL_SECONDS,
      tableActions: PROVISION_TABLE_ACTIONS,
      idempotencyActions: dynamoActionsUsedBy(readFileSync(IDEMPOTENCY_SOURCE, "utf8")).table,
      connectionsKeyActions: PROVISION_KEY_ACTIONS,
      producers: TEST_PRODUCERS,
    },
  };
}
