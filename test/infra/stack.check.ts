import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEPLOY_ENV, dynamoActionsUsedBy, expectationsFromCode, STORE_SOURCE, type Expectations } from "./expectations";
import {
  checkApiRole,
  checkBus,
  checkChangeEvents,
  checkDeadlines,
  checkFunction,
  checkHealth,
  checkIam,
  checkInvokers,
  checkKms,
  checkOperations,
  checkProvisioning,
  checkRoutes,
  checkStack,
  checkTable,
} from "./stack-check";
import { API_FUNCTION } from "../../infra/routes";
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
  it("lets only this API invoke the function that trusts the authorizer's claims", () => {
    expect(checkInvokers(prod)).toEqual([]);
    const permissions = prod.resources.filter((r) => r.type === "aws:lambda/permission:Permission" && String(r.inputs.function).includes(API_FUNCTION));
    expect(permissions.length).toBeGreaterThan(0);
    for (const p of permissions) expect(p.inputs).toMatchObject({ principal: "apigateway.amazonaws.com", sourceArn: expect.stringMatching(/^arn:aws:execute-api:.+\/\*$/) });
  });
  it("sets log retention, throttling, access logs and a 5xx alarm", () => expect(checkOperations(prod)).toEqual([]));
  it("has one event bus, the only target of events:PutEvents", () => expect(checkBus(prod)).toEqual([]));
  it("feeds the intake from an SSE-KMS queue with a bounded, alarmed DLQ and partial batch responses", () => {
    expect(checkProvisioning(prod, code)).toEqual([]);
    // The numbers behind it, as docs/deploy.md states them.
    const queue = find(prod, QUEUE, "ProvisioningQueue").inputs;
    expect(queue.visibilityTimeoutSeconds).toBe(540);
    expect(JSON.parse(queue.redrivePolicy).maxReceiveCount).toBe(5);
    expect(queueMapping(prod).inputs).toMatchObject({ batchSize: 2, functionResponseTypes: ["ReportBatchItemFailures"] });
  });
  it("publishes change events from the stream with bounded retries, bisecting and an alarmed on-failure queue", () =>
    expect(checkChangeEvents(prod)).toEqual([]));
  it("gives every Lambda a timeout above the sum of its outside calls' deadlines", () => expect(checkDeadlines(prod)).toEqual([]));
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

  it("refuses a JWT algorithm API Gateway's authorizer cannot verify (RSA only)", async () => {
    for (const algorithm of ["ES256", "HS256", "EdDSA"])
      await expect(synthesize({ stage: "dev", env: { ...BUILT, AUTH_JWT_ALGORITHM: algorithm } }), algorithm).rejects.toThrow(
        /API Gateway's JWT authorizer verifies RS256, RS384, RS512 only/,
      );
  });

  it("refuses to build without the provisioning producers, or with one that is not an IAM principal ARN", async () => {
    await expect(synthesize({ stage: "dev", env: { ...BUILT, PROVISIONING_PRODUCERS: "" } })).rejects.toThrow(/PROVISIONING_PRODUCERS must be set/);
    await expect(synthesize({ stage: "dev", env: { ...BUILT, PROVISIONING_PRODUCERS: "arn:aws:iam::111122223333:role/ok,*" } })).rejects.toThrow(
      /PROVISIONING_PRODUCERS must list IAM role or user ARNs; not one: \*/,
    );
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

  it("a function that callers other than this API may invoke", () => {
    const broken = copy(prod);
    const permission = broken.resources.find((r) => r.type === "aws:lambda/permission:Permission" && String(r.inputs.function).includes(API_FUNCTION))!;
    const fn = find(broken, "aws:lambda/function:Function", `${API_FUNCTION}Function`);
    broken.resources.push(
      { ...structuredClone(permission), name: "Anyone", inputs: { ...permission.inputs, principal: "*", sourceArn: undefined } },
      { ...structuredClone(permission), name: "OtherApi", inputs: { ...permission.inputs, sourceArn: "arn:aws:execute-api:us-east-1:123456789012:zzzz/*" } },
      { ...structuredClone(permission), type: "aws:lambda/functionUrl:FunctionUrl", name: "Url", inputs: { functionName: fn.outputs.name ?? fn.outputs.arn } },
    );
    const problems = checkInvokers(broken);
    expect(problems).toContainEqual("lambda permission Anyone lets * invoke the API function");
    expect(problems).toContainEqual("lambda permission Anyone lets callers other than this API invoke the API function (source any)");
    expect(problems).toContainEqual(expect.stringMatching(/^lambda permission OtherApi lets callers other than this API .*zzzz/));
    expect(problems).toContainEqual("function URL Url reaches the API function without the authorizer");
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

  it("a key condition that admits any scope, or does not require one", () => {
    const broken = copy(prod);
    const key = find(broken, "aws:kms/key:Key", "ConnectionsKey");
    const policy = JSON.parse(key.inputs.policy);
    delete policy.Statement[1].Condition.StringEquals["kms:EncryptionContext:scope"];
    delete policy.Statement[1].Condition.Null["kms:EncryptionContext:scope"];
    key.inputs.policy = JSON.stringify(policy);
    const problems = checkKms(broken, code);
    expect(problems).toContainEqual(expect.stringMatching(/requires scope in \[\], the code sends scope in \[org, project\]/));
    expect(problems).toContainEqual(expect.stringMatching(/does not require context key scope \(Null: false\)/));
  });

  it("a function without the shared CREDENTIALS_HASH_KEY, or no KmsRefused metric filter and alarm", () => {
    const broken = copy(prod);
    const fn = find(broken, "aws:lambda/function:Function", "ProvisionFunctionFunction");
    fn.inputs.environment.variables = { ...fn.inputs.environment.variables, CREDENTIALS_HASH_KEY: "y".repeat(64) };
    expect(checkProvisioning(broken, code)).toContain("the provision function's CREDENTIALS_HASH_KEY is not the stack's CredentialsHashKey");
    delete find(broken, "aws:lambda/function:Function", "ApiFunctionFunction").inputs.environment.variables.CREDENTIALS_HASH_KEY;
    expect(checkFunction(broken, code)).toContain("the API function has no CREDENTIALS_HASH_KEY");
    broken.resources = broken.resources.filter((r) => r.name !== "ApiKmsRefused" && r.name !== "KmsRefusedAlarm");
    const problems = checkOperations(broken);
    expect(problems).toContain("no metric filter counts KmsRefused lines of the API function's log group");
    expect(problems).toContain("no alarm fires to the alarm topic on one KmsRefused line of the provision function");
  });

  it("code that sends another encryption context, or starts scanning", () => {
    const moreContext = { ...code, encryptionContexts: code.encryptionContexts.map((c) => ({ ...c, tenant: "t-1" })) };
    expect(checkKms(prod, moreContext)).toContainEqual(
      expect.stringMatching(/the code sends \[app, connectionId, orgId, projectId, scope, tenant\]/),
    );
    // The context before issue 11: org-level connections sent projectId "" and no scope.
    const legacy = { orgId: "org-1", projectId: "", connectionId: "connection-1", app: "okta" };
    const legacyProblems = checkKms(prod, { ...code, encryptionContexts: [legacy] });
    expect(legacyProblems).toContainEqual(expect.stringMatching(/sends empty context values for \[projectId\]/));
    expect(legacyProblems).toContainEqual(expect.stringMatching(/requires scope in \[org, project\], the code sends scope in \[\]/));
    expect(legacyProblems).toContainEqual(expect.stringMatching(/requires context key scope the code does not always send/));
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

  it("an intake queue anyone may send to, or another producer than the configured ones", () => {
    const policy = find(copy(prod), "aws:sqs/queuePolicy:QueuePolicy", "ProvisioningQueuePolicy");
    const doc = JSON.parse(policy.inputs.policy);
    const broken = (edit: (d: any) => void) => {
      const synth = copy(prod);
      const p = find(synth, "aws:sqs/queuePolicy:QueuePolicy", "ProvisioningQueuePolicy");
      const d = structuredClone(doc);
      edit(d);
      p.inputs.policy = JSON.stringify(d);
      return checkProvisioning(synth, code);
    };
    expect(broken((d) => (d.Statement = d.Statement.filter((s: any) => s.Effect !== "Deny")))).toContain(
      "the intake queue's policy does not deny sqs:SendMessage to every principal but the producers",
    );
    expect(broken((d) => d.Statement[0].Principal.AWS.push("arn:aws:iam::999999999999:root"))).toContainEqual(
      expect.stringMatching(/^the intake queue's policy lets .*999999999999.* send/),
    );
    expect(broken((d) => (d.Statement[0].Action = ["sqs:SendMessage", "sqs:PurgeQueue"]))).toContainEqual(
      expect.stringMatching(/allows \[sqs:PurgeQueue, sqs:SendMessage\]|allows \[sqs:SendMessage, sqs:PurgeQueue\]/),
    );
    const none = copy(prod);
    none.resources = none.resources.filter((r) => r.type !== "aws:sqs/queuePolicy:QueuePolicy");
    expect(checkProvisioning(none, code)).toContain("expected one resource policy on the intake queue, found 0");
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

  it("Lambda timeouts at or below the worst case of their outside calls", () => {
    const broken = copy(prod);
    const lambda = (name: string) => find(broken, "aws:lambda/function:Function", name).inputs;
    lambda("ApiFunctionFunction").timeout = 20;
    lambda("ChangeEventsFunctionFunction").timeout = 10;
    const problems = checkDeadlines(broken);
    expect(problems).toContainEqual(expect.stringMatching(/^the API function's timeout is 20 s; its worst case adds up to 29 s/));
    expect(problems).toContainEqual(expect.stringMatching(/^the change-events function's timeout is 10 s/));
    lambda("ApiFunctionFunction").timeout = 45;
    expect(checkDeadlines(broken)).toContain("the API function's timeout is 45 s; API Gateway gives up after 30 s");
  });

  it("a stream filter that drops the deletes' audit items (the source of deleted events)", () => {
    const broken = copy(prod);
    const filters = streamMapping(broken).inputs.filterCriteria.filters as { pattern: string }[];
    expect(filters.length).toBeGreaterThan(1);
    streamMapping(broken).inputs.filterCriteria.filters = filters.slice(0, 1);
    expect(checkChangeEvents(broken)).toContainEqual(expect.stringMatching(/are not the code's CHANGE_EVENT_FILTERS/));
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
      .replace("timeoutSeconds: 90,", "timeoutSeconds: 60,")
      .replace("maximumRetryAttempts: 5", "maximumRetryAttempts: -1");
    expect(mutated).not.toBe(original);
    const file = join(ROOT, ".cache", "infra", "provisioning-spec-broken.ts");
    mkdirSync(join(ROOT, ".cache", "infra"), { recursive: true });
    writeFileSync(file, mutated);
    const drifted = await synthesize({ stage: "prod", env: BUILT, replace: { [spec]: file } });
    const problems = checkStack(drifted, code);
    expect(problems).toContain("the intake queue's visibility timeout is 180 s; at least 6 × the function timeout (360 s) is needed");
    expect(problems).toContainEqual(expect.stringMatching(/^the provision function's timeout is 60 s; its worst case adds up to 84.6 s/));
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
