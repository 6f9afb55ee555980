/**
 * The offline check of the synthesized stack: each function returns the problems it finds (an
 * empty list passes), so a test can show both a clean stack and a broken one being caught.
 */
import { API_FUNCTION } from "../../infra/routes";
import type { Expectations } from "./expectations";
import { samplePath, selectRoute } from "./gateway-routes";
import type { RecordedResource, Synth } from "./synth";

type Statement = {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
};
type PolicyDocument = { Statement: Statement[] };

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const byType = (synth: Synth, type: string) => synth.resources.filter((r) => r.type === type);
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
const fmt = (values: readonly string[]) => `[${[...values].sort().join(", ")}]`;

function only(synth: Synth, type: string, problems: string[]): RecordedResource | undefined {
  const found = byType(synth, type);
  if (found.length !== 1) problems.push(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** The API's Lambda function (SST names the Lambda resource of component `X` `XFunction`). */
function apiFunction(synth: Synth) {
  return byType(synth, "aws:lambda/function:Function").find((f) => f.name === `${API_FUNCTION}Function`);
}

export function checkRoutes(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth);
  if (!fn) return [`no Lambda function ${API_FUNCTION}`];
  const integrations = new Map(byType(synth, "aws:apigatewayv2/integration:Integration").map((i) => [i.id, i.inputs]));
  const routes = byType(synth, "aws:apigatewayv2/route:Route").map((r) => r.inputs);
  const jwtAuthorizers = byType(synth, "aws:apigatewayv2/authorizer:Authorizer").filter((a) => a.inputs.authorizerType === "JWT");
  const routeKeys = routes.map((r) => r.routeKey as string);
  const byKey = new Map(routes.map((r) => [r.routeKey as string, r]));

  if (jwtAuthorizers.length !== 1) problems.push(`expected one JWT authorizer, found ${jwtAuthorizers.length}`);
  const authorizer = jwtAuthorizers[0];
  if (authorizer) {
    const jwt = authorizer.inputs.jwtConfiguration ?? {};
    if (jwt.issuer !== expect.auth.issuer) problems.push(`JWT authorizer issuer is ${jwt.issuer}, configured ${expect.auth.issuer}`);
    if (!sameSet(list(jwt.audiences), [expect.auth.audience])) problems.push(`JWT authorizer audiences are ${fmt(list(jwt.audiences))}`);
    if (!sameSet(list(authorizer.inputs.identitySources), ["$request.header.Authorization"]))
      problems.push("JWT authorizer must read the Authorization header");
  }

  for (const appRoute of expect.routes) {
    const [method, honoPath] = appRoute.split(" ") as [string, string];
    const selected = selectRoute(routeKeys, method, samplePath(honoPath));
    if (!selected) {
      problems.push(`${appRoute} is served by the app but no API Gateway route reaches it`);
      continue;
    }
    const route = byKey.get(selected)!;
    const integration = integrations.get(String(route.target ?? "").replace(/^integrations\//, ""));
    if (!integration) problems.push(`${appRoute} -> ${selected} has no integration`);
    else if (integration.integrationUri !== fn.outputs.arn || integration.payloadFormatVersion !== "2.0")
      problems.push(`${appRoute} -> ${selected} does not invoke the API function with payload 2.0`);
    const isApi = honoPath === "/api" || honoPath.startsWith("/api/");
    if (isApi && (route.authorizationType !== "JWT" || route.authorizerId !== authorizer?.id))
      problems.push(`${appRoute} -> ${selected} is not behind the JWT authorizer`);
    if (!isApi && !expect.publicPaths.includes(honoPath) && !expect.isConsolePath(honoPath))
      problems.push(`${appRoute} is outside /api/ but is neither a public path of the contract nor a console page`);
    if (!isApi && route.authorizationType !== "NONE") problems.push(`${appRoute} -> ${selected} should be public`);
  }

  const allowedPublic = new Set([...expect.publicPaths.map((p) => `GET ${p}`), ...expect.consoleRoutes]);
  for (const route of routes) {
    const key = route.routeKey as string;
    const path = key.split(" ")[1] ?? "";
    if (key === "$default") problems.push("a $default route would serve every unmatched path");
    if ((path === "/api" || path.startsWith("/api/")) && route.authorizationType !== "JWT")
      problems.push(`gateway route ${key} is under /api but has authorization ${route.authorizationType}`);
    else if (route.authorizationType === "NONE" && !allowedPublic.has(key))
      problems.push(`gateway route ${key} is public but not an allowed public page`);
  }
  return problems;
}

export function checkTable(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const table = only(synth, "aws:dynamodb/table:Table", problems)?.inputs;
  if (!table) return problems;
  const want = expect.table;
  if (table.hashKey !== want.partitionKey || table.rangeKey !== want.sortKey)
    problems.push(`table keys are ${table.hashKey}/${table.rangeKey}, the code uses ${want.partitionKey}/${want.sortKey}`);
  const keyAttributes = [want.partitionKey, want.sortKey, ...want.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributes = list<{ name: string; type: string }>(table.attributes);
  if (
    !sameSet(
      attributes.map((a) => `${a.name}:${a.type}`),
      [...new Set(keyAttributes)].map((n) => `${n}:S`),
    )
  )
    problems.push(`table attributes ${fmt(attributes.map((a) => a.name))} differ from the code's key attributes ${fmt(keyAttributes)}`);
  const indexes = list<Record<string, string>>(table.globalSecondaryIndexes).map(
    (i) => `${i.name}(${i.hashKey},${i.rangeKey},${i.projectionType})`,
  );
  const wanted = want.indexes.map((i) => `${i.name}(${i.partitionKey},${i.sortKey},${i.projection})`);
  if (!sameSet(indexes, wanted)) problems.push(`table indexes ${fmt(indexes)} differ from the code's ${fmt(wanted)}`);
  if (list(table.localSecondaryIndexes).length > 0) problems.push("the table has local indexes the code does not use");
  if (table.billingMode !== "PAY_PER_REQUEST") problems.push(`billing mode is ${table.billingMode}, not on-demand`);
  if (table.pointInTimeRecovery?.enabled !== true) problems.push("point-in-time recovery is off");
  if (table.streamEnabled !== true || table.streamViewType !== "NEW_AND_OLD_IMAGES")
    problems.push("the stream (new and old images) is off");
  if (Boolean(table.deletionProtectionEnabled) !== expect.production)
    problems.push(
      `deletion protection is ${table.deletionProtectionEnabled ? "on" : "off"} on a ${
        expect.production ? "production" : "non-production"
      } stage`,
    );
  const ttl = table.ttl?.enabled ? table.ttl.attributeName : undefined;
  if (ttl !== want.ttlAttribute) problems.push(`TTL attribute is ${ttl ?? "unset"}, the code uses ${want.ttlAttribute ?? "none"}`);
  return problems;
}

/** Every IAM document in the stack with where it came from. */
function policyDocuments(synth: Synth): { where: string; doc: PolicyDocument; keyPolicy: boolean }[] {
  const docs: { where: string; doc: PolicyDocument; keyPolicy: boolean }[] = [];
  const add = (where: string, json: unknown, keyPolicy = false) => {
    if (typeof json === "string" && json) docs.push({ where, doc: JSON.parse(json) as PolicyDocument, keyPolicy });
  };
  for (const r of synth.resources) {
    if (r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/policy:Policy") add(`${r.type} ${r.name}`, r.inputs.policy);
    if (r.type === "aws:iam/role:Role") {
      add(`trust policy of role ${r.name}`, r.inputs.assumeRolePolicy);
      for (const p of list<{ policy?: string }>(r.inputs.inlinePolicies)) add(`inline policy of role ${r.name}`, p.policy);
    }
    if (r.type === "aws:kms/key:Key") add(`key policy of ${r.name}`, r.inputs.policy, true);
    if (r.type === "aws:kms/keyPolicy:KeyPolicy") add(`key policy ${r.name}`, r.inputs.policy, true);
    if (r.type.endsWith("Policy:BucketPolicy") || r.type.endsWith("queuePolicy:QueuePolicy") || r.type.endsWith("topicPolicy:TopicPolicy"))
      add(`${r.type} ${r.name}`, r.inputs.policy);
  }
  return docs;
}

/** `*` only as the last piece of a resource under a named parent (`.../index/GSI1` style, `:log-stream:*`). */
function resourceProblem(resource: string): string | undefined {
  if (resource === "*") return 'Resource "*"';
  const parts = resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return `resource ${resource} is not an ARN`;
  if (parts.slice(0, 5).some((p) => p.includes("*"))) return `resource ${resource} has a wildcard service, region or account`;
  const id = parts.slice(5).join(":");
  const wildcard = id.indexOf("*");
  if (wildcard !== -1 && (wildcard !== id.length - 1 || !/[:/][^*:/]+[:/][^*]*\*$/.test(`:${id}`)))
    return `resource ${resource} has a wildcard that is not the last piece under a named parent`;
  return undefined;
}

export function checkIam(synth: Synth): string[] {
  const problems: string[] = [];
  for (const { where, doc, keyPolicy } of policyDocuments(synth)) {
    for (const [i, s] of doc.Statement.entries()) {
      const at = `${where}, statement ${s.Sid ?? i}`;
      if (s.NotAction !== undefined) problems.push(`${at}: NotAction grants everything else`);
      if (s.NotResource !== undefined) problems.push(`${at}: NotResource grants everything else`);
      for (const action of list(s.Action)) if (action.includes("*")) problems.push(`${at}: wildcard action ${action}`);
      if (list(s.Action).length === 0) problems.push(`${at}: no action`);
      if (JSON.stringify(s.Principal ?? null).includes('"*"')) problems.push(`${at}: principal "*"`);
      for (const resource of list(s.Resource)) {
        // In a key policy "*" is the only way to say "this key".
        if (keyPolicy && resource === "*") continue;
        const problem = resourceProblem(resource);
        if (problem) problems.push(`${at}: ${problem}`);
      }
    }
  }
  for (const role of byType(synth, "aws:iam/role:Role")) {
    if (list(role.inputs.managedPolicyArns).length > 0)
      problems.push(`role ${role.name} has managed policies ${fmt(list(role.inputs.managedPolicyArns))}`);
  }
  for (const attachment of byType(synth, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    problems.push(`role policy attachment ${attachment.name} attaches ${attachment.inputs.policyArn}`);
  for (const permission of byType(synth, "aws:lambda/permission:Permission")) {
    if (permission.inputs.action !== "lambda:InvokeFunction")
      problems.push(`lambda permission ${permission.name} grants ${permission.inputs.action}`);
    if (!permission.inputs.sourceArn) problems.push(`lambda permission ${permission.name} has no source ARN`);
  }
  return problems;
}

function conditionProblems(at: string, condition: Statement["Condition"], expect: Expectations): string[] {
  const problems: string[] = [];
  const keys = Object.keys(expect.encryptionContext);
  const allowedKeys = list(condition?.["ForAllValues:StringEquals"]?.["kms:EncryptionContextKeys"]);
  if (!sameSet(allowedKeys, keys)) problems.push(`${at}: allows context keys ${fmt(allowedKeys)}, the code sends ${fmt(keys)}`);
  const app = condition?.StringEquals?.["kms:EncryptionContext:app"];
  if (app !== expect.encryptionContext.app)
    problems.push(`${at}: requires app=${String(app)}, the code sends app=${expect.encryptionContext.app}`);
  for (const [name, value] of Object.entries(condition?.Null ?? {})) {
    const key = name.replace(/^kms:EncryptionContext:/, "");
    if (value !== "false" || !keys.includes(key)) problems.push(`${at}: requires context key ${key} the code does not send`);
  }
  return problems;
}

const KEY_USE = ["kms:GenerateDataKey", "kms:Decrypt"];
const CRYPTO_ACTIONS = /^kms:(Encrypt|Decrypt|ReEncrypt\w*|GenerateDataKey\w*|Sign|Verify|GenerateMac|VerifyMac|CreateGrant)$/;

export function checkKms(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const key = only(synth, "aws:kms/key:Key", problems);
  if (!key) return problems;
  if (key.inputs.enableKeyRotation !== true) problems.push("automatic key rotation is off");
  if (!byType(synth, "aws:kms/alias:Alias").some((a) => a.inputs.targetKeyId === key.outputs.keyId)) problems.push("the key has no alias");
  const fn = apiFunction(synth);
  const roleArn = fn?.inputs.role;
  const policy = JSON.parse(String(key.inputs.policy ?? '{"Statement":[]}')) as PolicyDocument;
  let roleCanUse = false;
  for (const [i, s] of policy.Statement.entries()) {
    const at = `key policy, statement ${s.Sid ?? i}`;
    const crypto = list(s.Action).filter((a) => CRYPTO_ACTIONS.test(a));
    if (crypto.length === 0) continue;
    if (!crypto.every((a) => KEY_USE.includes(a))) problems.push(`${at}: grants ${fmt(crypto)}; only ${fmt(KEY_USE)} are used`);
    problems.push(...conditionProblems(at, s.Condition, expect));
    if (JSON.stringify(s.Principal).includes(String(roleArn))) roleCanUse = true;
  }
  if (!roleCanUse) problems.push("the key policy does not let the API function's role use the key");
  return problems;
}

export function checkApiRole(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth);
  const table = byType(synth, "aws:dynamodb/table:Table")[0];
  const key = byType(synth, "aws:kms/key:Key")[0];
  if (!fn || !table || !key) return ["the API function, table or key is missing"];
  const role = byType(synth, "aws:iam/role:Role").find((r) => !r.read && r.outputs.arn === fn.inputs.role);
  if (!role) return [`the API function's role ${fn.inputs.role} is not created by the stack`];
  const tableArn = String(table.outputs.arn);
  const keyArn = String(key.outputs.arn);
  const statements = [
    ...byType(synth, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role.id),
    ...list<{ policy?: string }>(role.inputs.inlinePolicies).map((p) => ({ inputs: p })),
  ].flatMap((p) => (JSON.parse(String(p.inputs.policy)) as PolicyDocument).Statement);

  const onTable = new Set<string>();
  const onIndexes = new Map<string, Set<string>>();
  for (const s of statements) {
    for (const resource of list(s.Resource)) {
      const actions = list(s.Action).filter((a) => a.startsWith("dynamodb:"));
      if (resource === tableArn) actions.forEach((a) => onTable.add(a));
      else if (resource.startsWith(`${tableArn}/index/`)) {
        const index = resource.slice(`${tableArn}/index/`.length);
        actions.forEach((a) => onIndexes.set(index, (onIndexes.get(index) ?? new Set()).add(a)));
      } else if (actions.length) problems.push(`DynamoDB actions on ${resource}, which is not the table`);
    }
    const kmsActions = list(s.Action).filter((a) => a.startsWith("kms:"));
    if (kmsActions.length) {
      if (!sameSet(kmsActions, KEY_USE)) problems.push(`the API role may call ${fmt(kmsActions)}; it needs ${fmt(KEY_USE)}`);
      if (!sameSet(list(s.Resource), [keyArn]))
        problems.push(`the API role's KMS statement covers ${fmt(list(s.Resource))}, not only the key`);
      problems.push(...conditionProblems("API role KMS statement", s.Condition, expect));
    }
  }
  if (!sameSet([...onTable], expect.dynamoActions.table))
    problems.push(`the API role may call ${fmt([...onTable])} on the table; the store uses ${fmt(expect.dynamoActions.table)}`);
  for (const index of expect.table.indexes) {
    const granted = [...(onIndexes.get(index.name) ?? [])];
    if (!sameSet(granted, expect.dynamoActions.indexes))
      problems.push(`the API role may call ${fmt(granted)} on index ${index.name}; the store uses ${fmt(expect.dynamoActions.indexes)}`);
  }
  for (const index of onIndexes.keys())
    if (!expect.table.indexes.some((i) => i.name === index))
      problems.push(`the API role has permissions on index ${index}, which the code does not have`);
  return problems;
}

export function checkFunction(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth)?.inputs;
  if (!fn) return ["no API function"];
  if (fn.runtime !== "nodejs22.x") problems.push(`runtime is ${fn.runtime}`);
  if (!sameSet(list(fn.architectures), ["arm64"])) problems.push(`architectures are ${fmt(list(fn.architectures))}`);
  if (fn.handler !== "index.handler") problems.push(`handler is ${fn.handler}`);
  const env = fn.environment?.variables ?? {};
  const table = byType(synth, "aws:dynamodb/table:Table")[0];
  if (env.TABLE_NAME !== table?.inputs.name) problems.push("TABLE_NAME is not the table's name");
  if (env.KMS_KEY_ID !== byType(synth, "aws:kms/key:Key")[0]?.outputs.arn) problems.push("KMS_KEY_ID is not the key's ARN");
  if (!env.CURSOR_SECRET || String(env.CURSOR_SECRET).length < 32) problems.push("CURSOR_SECRET is missing or short");
  if (env.AUTH_JWKS_URL !== expect.auth.jwksUrl) problems.push("AUTH_JWKS_URL is not the configured JWKS");
  if (env.AUTH_ISSUER !== expect.auth.issuer) problems.push("AUTH_ISSUER is not the configured issuer");
  if (env.AUTH_AUDIENCE !== expect.auth.audience) problems.push("AUTH_AUDIENCE is not the configured audience");
  if (env.AUTH_JWT_SECRET || env.DYNAMODB_ENDPOINT || env.OKTA_INSECURE_ALLOWLIST) problems.push("a local-only variable is set in AWS");
  const logGroups = byType(synth, "aws:cloudwatch/logGroup:LogGroup");
  if (!logGroups.some((g) => g.inputs.name === fn.loggingConfig?.logGroup))
    problems.push("the function does not log to a log group of the stack");
  return problems;
}

export function checkOperations(synth: Synth): string[] {
  const problems: string[] = [];
  for (const group of byType(synth, "aws:cloudwatch/logGroup:LogGroup"))
    if (!(Number(group.inputs.retentionInDays) > 0)) problems.push(`log group ${group.inputs.name} keeps logs forever`);
  const stage = only(synth, "aws:apigatewayv2/stage:Stage", problems)?.inputs;
  if (stage) {
    const settings = stage.defaultRouteSettings ?? {};
    if (!(settings.throttlingRateLimit > 0) || !(settings.throttlingBurstLimit > 0))
      problems.push("the API stage has no throttling limits");
    if (!stage.accessLogSettings?.destinationArn || !stage.accessLogSettings?.format) problems.push("the API stage has no access logs");
  }
  const api = byType(synth, "aws:apigatewayv2/api:Api")[0];
  const alarms = byType(synth, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) =>
    list<{ metric?: { namespace?: string; metricName?: string; dimensions?: Record<string, string> } }>(a.inputs.metricQueries).some(
      (q) => q.metric?.namespace === "AWS/ApiGateway" && q.metric.metricName === "5xx" && q.metric.dimensions?.ApiId === api?.id,
    ),
  );
  if (alarms.length === 0) problems.push("no alarm on the API's 5xx responses");
  const outputs = synth.outputs;
  for (const name of ["apiUrl", "tableName", "keyArn"]) if (!outputs[name]) problems.push(`output ${name} is missing`);
  return problems;
}

/** All checks; an empty list means the stack matches the code. */
export function checkStack(synth: Synth, expect: Expectations): string[] {
  return [
    ...checkRoutes(synth, expect),
    ...checkTable(synth, expect),
    ...checkIam(synth),
    ...checkKms(synth, expect),
    ...checkApiRole(synth, expect),
    ...checkFunction(synth, expect),
    ...checkOperations(synth),
  ];
}
