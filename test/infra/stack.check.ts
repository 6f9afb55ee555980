import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEPLOY_ENV, dynamoActionsUsedBy, expectationsFromCode, STORE_SOURCE, type Expectations } from "./expectations";
import {
  checkApiRole,
  checkBus,
  checkChangeEvents,
  checkFunction,
  checkHealth,
  checkIam,
  checkKms,
  checkOperations,
  checkProvisioning,
  checkRoutes,
  checkStack,
  checkTable,
} from "./stack-check";
import { ROOT, synthesize, type Synth } from "./synth";

let prod: Synth;
let code: Expectations;

// The production stack builds the bundle as `sst deploy` does; the others reuse that build.
const BUILT = { ...DEPLOY_ENV, SKIP_BUILD: "1" };

beforeAll(async () => {
  code = expectationsFromCode(true);
  prod = await synthesize({ stage: "prod", env: DEPLOY_ENV });
});

/** A deep copy to break on purpose. */
const copy = (synth: Synth): Synth => structuredClone(synth);
const find = (synth: Synth, type: string, name?: string) =>
  synth.resources.find((r) => r.type === type && !r.read && (name === undefined || r.name === name))!;
const editPolicy = (synth: Synth, edit: (doc: { Statement: Record<string, unknown>[] }) => void, name = "ApiRolePolicy") => {
  const policy = find(synth, "aws:iam/rolePolicy:RolePolicy", name);
  const doc = JSON.parse(policy.inputs.policy);
  edit(doc);
  policy.inputs.policy = JSON.stringify(doc);
};
const QUEUE = "aws:sqs/queue:Queue";
const MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping";
/** The event source mapping whose source is the table's stream (the others read the intake and health queues). */
const streamMapping = (synth: Synth) =>
  synth.resources.find((r) => r.type === MAPPING && String(r.inputs.eventSourceArn).includes("/stream/"))!;
const queueMapping = (synth: Synth) =>
  synth.resources.find(
    (r) => r.type === MAPPING && String(r.inputs.eventSourceArn).startsWith("arn:aws:sqs:") && !String(r.inputs.eventSourceArn).includes("HealthChecks"),
  )!;

describe("the production stack, run offline under Pulumi mocks", () => {
  it("creates the service's resources", () => {
    const types = new Set(prod.resources.map((r) => r.type));
    for (const type of [
      "aws:dynamodb/table:Table",
      "aws:kms/key:Key",
      "aws:lambda/function:Function",
      "aws:apigatewayv2/api:Api",
      "aws:sqs/queue:Queue",
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "aws:cloudwatch/eventBus:EventBus",
    ])
      expect(types).toContain(type);
    expect(Object.keys(prod.outputs)).toEqual(
      expect.arrayContaining(["apiUrl", "tableName", "keyArn", "provisioningQueueUrl", "provisioningDlqUrl", "eventBusName"]),
    );
  });

  it("reaches every route the app serves, with the JWT authorizer on every /api/ route", () => {
    expect(code.routes.length).toBeGreaterThan(5);
    expect(checkRoutes(prod, code)).toEqual([]);
  });

  it("has the table the key module describes", () => expect(checkTable(prod, code)).toEqual([]));
  it("has no wildcard action or resource in any IAM statement", () => expect(checkIam(prod)).toEqual([]));
  it("rotates the key and allows it only with the code's encryption context", () => expect(checkKms(prod, code)).toEqual([]));
  it("gives the API role exactly the DynamoDB and KMS actions the code uses", () => expect(checkApiRole(prod, code)).toEqual([]));
  it("runs the bundle on nodejs22.x arm64 with the AWS-mode environment", () => expect(checkFunction(prod, code)).toEqual([]));
  it("sets log retention, throttling, access logs and a 5xx alarm", () => expect(checkOperations(prod)).toEqual([]));
  it("has one event bus, the only target of events:PutEvents", () => expect(checkBus(prod)).toEqual([]));
  it("feeds the intake from an SSE-KMS queue with a bounded, alarmed DLQ and partial batch responses", () => {
    expect(checkProvisioning(prod, code)).toEqual([]);
    // The numbers behind it, as docs/deploy.md states them.
    const queue = find(prod, QUEUE, "ProvisioningQueue").inputs;
    expect(queue.visibilityTimeoutSeconds).toBe(540);
    expect(JSON.parse(queue.redrivePolicy).maxReceiveCount).toBe(5);
    expect(queueMapping(prod).inputs).toMatchObject({ batchSize: 5, functionResponseTypes: ["ReportBatchItemFailures"] });
  });
  it("publishes change events from the stream with bounded retries, bisecting and an alarmed on-failure queue", () =>
    expect(checkChangeEvents(prod)).toEqual([]));
  it("runs health checks: schedule, sweep, encrypted queue with an alarmed DLQ, checker with health-only writes, unhealthy alarm", () =>
    expect(checkHealth(prod, code)).toEqual([]));
});

describe("a non-production stage", () => {
  it("passes the same checks, without deletion protection", async () => {
    const dev = await synthesize({ stage: "dev", env: BUILT });
    expect(checkStack(dev, expectationsFromCode(false))).toEqual([]);
    expect(find(dev, "aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(false);
  });

  it("refuses to build without the issuer settings", async () => {
    await expect(synthesize({ stage: "dev", env: { ...BUILT, AUTH_ISSUER: "" } })).rejects.toThrow(/AUTH_ISSUER must be set/);
  });
});

describe("the check fails on a mismatch", () => {
  it("a renamed index in the stack's copy of the key design", async () => {
    const keys = join(ROOT, "functions", "core", "storage", "keys.ts");
    const original = readFileSync(keys, "utf8");
    const renamed = original.replace(/name: "GSI1"/, 'name: "ByScopeAndName"');
    expect(renamed).not.toBe(original);
    const mutated = join(ROOT, ".cache", "infra", "keys-renamed-index.ts");
    mkdirSync(join(ROOT, ".cache", "infra"), { recursive: true });
    // The copy lives elsewhere, so it must not import anything relative.
    expect(original).not.toMatch(/from "\./);
    writeFileSync(mutated, renamed);
    const drifted = await synthesize({ stage: "prod", env: BUILT, replace: { [keys]: mutated } });
    const problems = checkStack(drifted, code);
    expect(problems).toContainEqual(
      expect.stringMatching(/table indexes \[ByScopeAndName\(GSI1PK,GSI1SK,ALL\), GSI2\(GSI2PK,GSI2SK,KEYS_ONLY\)\] differ from the code's \[GSI1/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/on index GSI1; the store uses/));
  });

  it("an app route that no gateway route reaches", () => {
    const broken = copy(prod);
    broken.resources = broken.resources.filter((r) => r.inputs.routeKey !== "ANY /api/{proxy+}");
    expect(checkRoutes(broken, code)).toContainEqual(
      "GET /api/v1/app-connections/options is served by the app but no API Gateway route reaches it",
    );
    expect(checkRoutes(prod, { ...code, routes: [...code.routes, "GET /metrics"] })).toContainEqual(
      expect.stringMatching(/^GET \/metrics is served by the app but no API Gateway route/),
    );
  });

  it("an /api/ route without the authorizer", () => {
    const broken = copy(prod);
    const route = broken.resources.find((r) => r.inputs.routeKey === "ANY /api/{proxy+}")!;
    route.inputs = { ...route.inputs, authorizationType: "NONE", authorizerId: undefined };
    const problems = checkRoutes(broken, code);
    expect(problems).toContainEqual("POST /api/v1/app-connections/okta -> ANY /api/{proxy+} is not behind the JWT authorizer");
    expect(problems).toContainEqual("gateway route ANY /api/{proxy+} is under /api but has authorization NONE");
  });

  it("a wildcard action, a * resource or a managed policy", () => {
    const broken = copy(prod);
    editPolicy(broken, (doc) => {
      doc.Statement[0]!.Action = ["dynamodb:*"];
      doc.Statement.push({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" });
    });
    find(broken, "aws:iam/role:Role", "ApiRole").inputs.managedPolicyArns = [
      "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ];
    const problems = checkIam(broken);
    expect(problems).toContainEqual(expect.stringMatching(/statement ConnectionsTable: wildcard action dynamodb:\*/));
    expect(problems).toContainEqual(expect.stringMatching(/statement 4: Resource "\*"/));
    expect(problems).toContainEqual(expect.stringMatching(/has managed policies/));
  });

  it("key rotation off, or a key policy that ignores the encryption context", () => {
    const broken = copy(prod);
    const key = find(broken, "aws:kms/key:Key", "ConnectionsKey");
    key.inputs.enableKeyRotation = false;
    const policy = JSON.parse(key.inputs.policy);
    delete policy.Statement[1].Condition;
    key.inputs.policy = JSON.stringify(policy);
    const problems = checkKms(broken, code);
    expect(problems).toContain("automatic key rotation is off");
    expect(problems).toContainEqual(expect.stringMatching(/allows context keys \[\], the code sends/));
  });

  it("code that sends another encryption context, or starts scanning", () => {
    const moreContext = { ...code, encryptionContext: { ...code.encryptionContext, tenant: "t-1" } };
    expect(checkKms(prod, moreContext)).toContainEqual(
      expect.stringMatching(/the code sends \[app, connectionId, orgId, projectId, tenant\]/),
    );
    const store = readFileSync(STORE_SOURCE, "utf8").replace("new QueryCommand(", "new ScanCommand(");
    const scanning = { ...code, dynamoActions: dynamoActionsUsedBy(store) };
    expect(checkApiRole(prod, scanning)).toContainEqual(expect.stringMatching(/the store uses \[.*dynamodb:Scan/));
  });

  it("an intake queue without a DLQ, unencrypted, with a short visibility timeout and no partial responses", () => {
    const broken = copy(prod);
    const queue = find(broken, QUEUE, "ProvisioningQueue");
    delete queue.inputs.redrivePolicy;
    delete queue.inputs.kmsMasterKeyId;
    queue.inputs.visibilityTimeoutSeconds = 90;
    queueMapping(broken).inputs.functionResponseTypes = [];
    const problems = checkProvisioning(broken, code);
    expect(problems).toContain("the intake queue has no DLQ of the stack: a failing message is retried until it expires");
    expect(problems).toContain("the intake queue is not encrypted with a customer-managed KMS key (SSE-KMS is off)");
    expect(problems).toContain("the intake queue's visibility timeout is 90 s; at least 6 × the function timeout (540 s) is needed");
    expect(problems).toContainEqual(expect.stringMatching(/^the intake subscription has no partial batch responses/));
  });

  it("a DLQ with unbounded tries, no alarm, or the connections key", () => {
    const broken = copy(prod);
    const queue = find(broken, QUEUE, "ProvisioningQueue");
    queue.inputs.redrivePolicy = JSON.stringify({ ...JSON.parse(queue.inputs.redrivePolicy), maxReceiveCount: 1000 });
    find(broken, QUEUE, "ProvisioningDlqQueue").inputs.kmsMasterKeyId = find(broken, "aws:kms/key:Key", "ConnectionsKey").outputs.arn;
    broken.resources = broken.resources.filter((r) => r.name !== "ProvisioningDlqDepth");
    const problems = checkProvisioning(broken, code);
    expect(problems).toContain("the intake queue's maxReceiveCount is 1000; between 3 and 10 bounds the retries");
    expect(problems).toContain("the DLQ is encrypted with the connections key; it needs a key of its own");
    expect(problems).toContain("no alarm on the depth of the DLQ");
  });

  it("a stream subscription with unbounded retries, no bisect, no on-failure destination", () => {
    const broken = copy(prod);
    const mapping = streamMapping(broken).inputs;
    delete mapping.maximumRetryAttempts;
    mapping.bisectBatchOnFunctionError = false;
    delete mapping.destinationConfig;
    mapping.functionResponseTypes = [];
    const problems = checkChangeEvents(broken);
    expect(problems).toContainEqual(expect.stringMatching(/MaximumRetryAttempts is unset \(retries until the records expire\)/));
    expect(problems).toContain("the stream subscription does not bisect a failing batch (BisectBatchOnFunctionError)");
    expect(problems).toContain("the stream subscription has no on-failure destination: records that still fail are dropped");
    expect(problems).toContainEqual(expect.stringMatching(/no ReportBatchItemFailures/));
    streamMapping(broken).inputs.maximumRetryAttempts = -1;
    expect(checkChangeEvents(broken)).toContainEqual(expect.stringMatching(/MaximumRetryAttempts is -1; it must be bounded/));
  });

  it("an idempotency table without TTL, and roles that reach further than they need", () => {
    const broken = copy(prod);
    find(broken, "aws:dynamodb/table:Table", "IdempotencyTable").inputs.ttl = { enabled: false };
    editPolicy(
      broken,
      (doc) => {
        doc.Statement.find((s) => s.Sid === "ConnectionsTable")!.Action = [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
        ];
        doc.Statement.find((s) => s.Sid === "DataKeys")!.Action = ["kms:GenerateDataKey", "kms:Decrypt"];
      },
      "ProvisionRolePolicy",
    );
    const key = find(broken, "aws:kms/key:Key", "ConnectionsKey");
    const policy = JSON.parse(key.inputs.policy);
    policy.Statement.find((s: { Sid: string }) => s.Sid === "ProvisioningMakesDataKeysWithContext").Action = [
      "kms:GenerateDataKey",
      "kms:Decrypt",
    ];
    key.inputs.policy = JSON.stringify(policy);
    const keyArn = key.outputs.arn;
    editPolicy(broken, (doc) => doc.Statement.push({ Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn }), "ChangeEventsRolePolicy");
    const provisioning = checkProvisioning(broken, code);
    expect(provisioning).toContain("the idempotency table's TTL attribute is unset, the code writes expiration");
    expect(provisioning).toContainEqual(
      expect.stringMatching(/the provision role may call \[.*dynamodb:Query.*\] on the connections table/),
    );
    expect(provisioning).toContain(
      "the provision role may call [kms:Decrypt, kms:GenerateDataKey] on the connections key; it needs [kms:GenerateDataKey]",
    );
    expect(checkKms(broken, code)).toContain(
      "the key policy lets the provision role call [kms:Decrypt, kms:GenerateDataKey]; it needs [kms:GenerateDataKey]",
    );
    expect(checkChangeEvents(broken)).toContain("the change-events role may use the connections key; it never reads a secret");
  });

  it("a stack built from provisioning numbers that break the rules", async () => {
    // The stack's own plain-data module, changed: a visibility timeout below 6 × the timeout, unbounded stream retries.
    const spec = join(ROOT, "infra", "provisioning-spec.ts");
    const original = readFileSync(spec, "utf8");
    expect(original).not.toMatch(/from "\./);
    const mutated = original
      .replace("visibilityTimeoutSeconds: 6 * 90", "visibilityTimeoutSeconds: 2 * 90")
      .replace("maximumRetryAttempts: 5", "maximumRetryAttempts: -1");
    expect(mutated).not.toBe(original);
    const file = join(ROOT, ".cache", "infra", "provisioning-spec-broken.ts");
    mkdirSync(join(ROOT, ".cache", "infra"), { recursive: true });
    writeFileSync(file, mutated);
    const drifted = await synthesize({ stage: "prod", env: BUILT, replace: { [spec]: file } });
    const problems = checkStack(drifted, code);
    expect(problems).toContain("the intake queue's visibility timeout is 180 s; at least 6 × the function timeout (540 s) is needed");
    expect(problems).toContainEqual(expect.stringMatching(/MaximumRetryAttempts is -1; it must be bounded/));
  });

  it("a checker that may write any attribute or use the key for anything, a sweep that may read the table, no schedule", () => {
    const broken = copy(prod);
    editPolicy(broken, (doc) => delete doc.Statement.find((s) => s.Sid === "WriteHealthOnly")!.Condition, "HealthCheckRolePolicy");
    editPolicy(broken, (doc) => (doc.Statement.find((s) => s.Sid === "OpenCredentials")!.Action = ["kms:Decrypt", "kms:GenerateDataKey"]), "HealthCheckRolePolicy");
    const tableArn = find(broken, "aws:dynamodb/table:Table", "ConnectionsTable").outputs.arn;
    editPolicy(broken, (doc) => doc.Statement.push({ Effect: "Allow", Action: ["dynamodb:Query"], Resource: tableArn }), "HealthSweepRolePolicy");
    broken.resources = broken.resources.filter((r) => r.type !== "aws:cloudwatch/eventTarget:EventTarget");
    const problems = checkHealth(broken, code);
    expect(problems).toContain("the health check role's UpdateItem may write [every attribute]; only [GSI2PK, GSI2SK, PK, SK, credentialsHash, health]");
    expect(problems).toContainEqual(expect.stringMatching(/the health check role may call \[kms:Decrypt, kms:GenerateDataKey\] on the connections key/));
    expect(problems).toContainEqual(expect.stringMatching(/the health sweep role may call \[dynamodb:Query\] on arn:aws:dynamodb:.*table\/[^/]+, which it does not need/));
    expect(problems).toContain("expected one schedule that starts the health sweep, found 0");
  });
});
