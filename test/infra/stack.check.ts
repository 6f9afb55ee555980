import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEPLOY_ENV, dynamoActionsUsedBy, expectationsFromCode, STORE_SOURCE, type Expectations } from "./expectations";
import { checkApiRole, checkFunction, checkIam, checkKms, checkOperations, checkRoutes, checkStack, checkTable } from "./stack-check";
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
const find = (synth: Synth, type: string) => synth.resources.find((r) => r.type === type && !r.read)!;
const editPolicy = (synth: Synth, edit: (doc: { Statement: Record<string, unknown>[] }) => void) => {
  const policy = find(synth, "aws:iam/rolePolicy:RolePolicy");
  const doc = JSON.parse(policy.inputs.policy);
  edit(doc);
  policy.inputs.policy = JSON.stringify(doc);
};

describe("the production stack, run offline under Pulumi mocks", () => {
  it("creates the service's resources", () => {
    const types = new Set(prod.resources.map((r) => r.type));
    for (const type of ["aws:dynamodb/table:Table", "aws:kms/key:Key", "aws:lambda/function:Function", "aws:apigatewayv2/api:Api"])
      expect(types).toContain(type);
    expect(Object.keys(prod.outputs)).toEqual(expect.arrayContaining(["apiUrl", "tableName", "keyArn"]));
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
      expect.stringMatching(/table indexes \[ByScopeAndName\(GSI1PK,GSI1SK,ALL\)\] differ from the code's \[GSI1/),
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
    find(broken, "aws:iam/role:Role").inputs.managedPolicyArns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"];
    const problems = checkIam(broken);
    expect(problems).toContainEqual(expect.stringMatching(/statement ConnectionsTable: wildcard action dynamodb:\*/));
    expect(problems).toContainEqual(expect.stringMatching(/statement 4: Resource "\*"/));
    expect(problems).toContainEqual(expect.stringMatching(/has managed policies/));
  });

  it("key rotation off, or a key policy that ignores the encryption context", () => {
    const broken = copy(prod);
    const key = find(broken, "aws:kms/key:Key");
    key.inputs.enableKeyRotation = false;
    const policy = JSON.parse(key.inputs.policy);
    delete policy.Statement[1].Condition;
    key.inputs.policy = JSON.stringify(policy);
    const problems = checkKms(broken, code);
    expect(problems).toContain("automatic key rotation is off");
    expect(problems).toContainEqual(expect.stringMatching(/allows context keys \[\], the code sends/));
  });

  it("code that sends another encryption context, or starts updating items", () => {
    const moreContext = { ...code, encryptionContext: { ...code.encryptionContext, tenant: "t-1" } };
    expect(checkKms(prod, moreContext)).toContainEqual(
      expect.stringMatching(/the code sends \[app, connectionId, orgId, projectId, tenant\]/),
    );
    const store = readFileSync(STORE_SOURCE, "utf8").replace("Delete: {", "Update: {");
    const updating = { ...code, dynamoActions: dynamoActionsUsedBy(store) };
    expect(checkApiRole(prod, updating)).toContainEqual(expect.stringMatching(/the store uses \[.*dynamodb:UpdateItem/));
  });
});
