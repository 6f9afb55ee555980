/**
 * The offline check of the synthesized stack: each function returns the problems it finds (an
 * empty list passes), so a test can show both a clean stack and a broken one being caught.
 */
import { WORST_PATHS, worstCaseMs } from "../../functions/core/deadlines";
import { CHANGE_EVENT_FILTERS } from "../../functions/events/stream-filters";
import { CHANGE_EVENTS_FUNCTION, PROVISION_FUNCTION } from "../../infra/provisioning-spec";
import { ALARMS } from "../../functions/core/alarms";
import { HEALTH_CHECK_FUNCTION, HEALTH_SWEEP_FUNCTION, health } from "../../infra/health-spec";
import { GSI2 } from "../../functions/core/storage/keys";
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

/** A resource the stack creates (not a lookup), by type and Pulumi name. */
const named = (synth: Synth, type: string, name: string) => synth.resources.find((r) => r.type === type && r.name === name && !r.read);

/** SST's names of what infra/ builds: `sst.aws.Dynamo("Connections")` makes the table `ConnectionsTable`. */
export const NAMES = {
  table: "ConnectionsTable",
  idempotencyTable: "IdempotencyTable",
  key: "ConnectionsKey",
  alarmTopic: "Alarms",
} as const;

/** A Lambda function by its SST component name (SST names the Lambda resource of component `X` `XFunction`). */
const lambdaOf = (synth: Synth, component: string) => named(synth, "aws:lambda/function:Function", `${component}Function`);
const mainTable = (synth: Synth) => named(synth, "aws:dynamodb/table:Table", NAMES.table);
const connectionsKey = (synth: Synth) => named(synth, "aws:kms/key:Key", NAMES.key);

/** The API's Lambda function. */
function apiFunction(synth: Synth) {
  return lambdaOf(synth, API_FUNCTION);
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
  const table = mainTable(synth)?.inputs;
  if (!table) return [`no table ${NAMES.table}`];
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
      // A Deny to "*" takes away; only an Allow to "*" would hand out.
      if (s.Effect !== "Deny" && JSON.stringify(s.Principal ?? null).includes('"*"')) problems.push(`${at}: principal "*"`);
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

/** The context keys and values the code sends, over all its contexts (org-level and project). */
function contextFacts(contexts: Record<string, string>[]) {
  const keys = [...new Set(contexts.flatMap((c) => Object.keys(c)))];
  const always = keys.filter((k) => contexts.every((c) => k in c));
  const valuesOf = (key: string) => [...new Set(contexts.map((c) => c[key]).filter((v): v is string => v !== undefined))];
  const empty = contexts.flatMap((c) => Object.entries(c).filter(([k, v]) => k === "" || v === "").map(([k]) => k || "(empty key)"));
  return { keys, always, valuesOf, empty };
}

/** The key's condition admits exactly what the code sends: its keys, its app and scopes, and requires what is always there. */
function conditionProblems(at: string, condition: Statement["Condition"], expect: Expectations): string[] {
  const problems: string[] = [];
  const { keys, always, valuesOf, empty } = contextFacts(expect.encryptionContexts);
  if (empty.length > 0) problems.push(`${at}: the code sends empty context values for ${fmt(empty)} (AWS KMS refuses them)`);
  const allowedKeys = list(condition?.["ForAllValues:StringEquals"]?.["kms:EncryptionContextKeys"]);
  if (!sameSet(allowedKeys, keys)) problems.push(`${at}: allows context keys ${fmt(allowedKeys)}, the code sends ${fmt(keys)}`);
  for (const key of ["app", "scope"]) {
    const required = list(condition?.StringEquals?.[`kms:EncryptionContext:${key}`]);
    if (!sameSet(required, valuesOf(key)))
      problems.push(`${at}: requires ${key} in ${fmt(required)}, the code sends ${key} in ${fmt(valuesOf(key))}`);
  }
  const nonNull = Object.entries(condition?.Null ?? {}).map(([name, value]) => [name.replace(/^kms:EncryptionContext:/, ""), value]);
  for (const [key, value] of nonNull) {
    if (value !== "false" || !always.includes(String(key))) problems.push(`${at}: requires context key ${key} the code does not always send`);
  }
  for (const key of always.filter((k) => k !== "app" && !nonNull.some(([n, v]) => n === k && v === "false")))
    problems.push(`${at}: does not require context key ${key} (Null: false)`);
  return problems;
}

const KEY_USE = ["kms:GenerateDataKey", "kms:Decrypt"];
const CRYPTO_ACTIONS = /^kms:(Encrypt|Decrypt|ReEncrypt\w*|GenerateDataKey\w*|Sign|Verify|GenerateMac|VerifyMac|CreateGrant)$/;

export function checkKms(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const key = connectionsKey(synth);
  if (!key) return [`no KMS key ${NAMES.key}`];
  if (key.inputs.enableKeyRotation !== true) problems.push("automatic key rotation is off");
  if (!byType(synth, "aws:kms/alias:Alias").some((a) => a.inputs.targetKeyId === key.outputs.keyId)) problems.push("the key has no alias");
  const roleOf = (component: string) => String(lambdaOf(synth, component)?.inputs.role);
  const roles = {
    api: roleOf(API_FUNCTION),
    provision: roleOf(PROVISION_FUNCTION),
    changeEvents: roleOf(CHANGE_EVENTS_FUNCTION),
    healthCheck: roleOf(HEALTH_CHECK_FUNCTION),
    healthSweep: roleOf(HEALTH_SWEEP_FUNCTION),
  };
  const policy = JSON.parse(String(key.inputs.policy ?? '{"Statement":[]}')) as PolicyDocument;
  /** Crypto actions the key policy grants each role (with the context condition checked per statement). */
  const granted = new Map<string, Set<string>>();
  for (const [i, s] of policy.Statement.entries()) {
    const at = `key policy, statement ${s.Sid ?? i}`;
    const crypto = list(s.Action).filter((a) => CRYPTO_ACTIONS.test(a));
    if (crypto.length === 0) continue;
    if (!crypto.every((a) => KEY_USE.includes(a))) problems.push(`${at}: grants ${fmt(crypto)}; only ${fmt(KEY_USE)} are used`);
    problems.push(...conditionProblems(at, s.Condition, expect));
    for (const principal of list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS)) {
      if (!Object.values(roles).includes(principal))
        problems.push(`${at}: lets ${principal}, which is no function of the service, use the key`);
      crypto.forEach((a) => granted.set(principal, (granted.get(principal) ?? new Set()).add(a)));
    }
  }
  const api = [...(granted.get(roles.api) ?? [])];
  if (api.length === 0) problems.push("the key policy does not let the API function's role use the key");
  else if (!sameSet(api, KEY_USE)) problems.push(`the key policy lets the API role call ${fmt(api)}; it needs ${fmt(KEY_USE)}`);
  const provision = [...(granted.get(roles.provision) ?? [])];
  const provisionNeeds = expect.provisioning.connectionsKeyActions;
  if (provision.length === 0) problems.push("the key policy does not let the provision function's role use the key");
  else if (!sameSet(provision, provisionNeeds))
    problems.push(`the key policy lets the provision role call ${fmt(provision)}; it needs ${fmt(provisionNeeds)}`);
  if (granted.has(roles.changeEvents)) problems.push("the key policy lets the change-events role use the key; it never reads a secret");
  const checker = [...(granted.get(roles.healthCheck) ?? [])];
  if (!sameSet(checker, ["kms:Decrypt"])) problems.push(`the key policy lets the health checker's role call ${fmt(checker)}; it needs [kms:Decrypt]`);
  if (granted.has(roles.healthSweep)) problems.push("the key policy lets the health sweep's role use the key; it never reads a secret");
  return problems;
}

export function checkApiRole(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth);
  const table = mainTable(synth);
  const key = connectionsKey(synth);
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

/**
 * CREDENTIALS_HASH_KEY is the stack's generated secret, at least 32 characters, and the same for the
 * API and provisioning (provisioning compares desired credentials with hashes the API wrote).
 */
function credentialsHashKeyProblems(synth: Synth, fn: string, value: unknown): string[] {
  const secret = named(synth, "random:index/randomPassword:RandomPassword", "CredentialsHashKey");
  if (!value) return [`the ${fn} function has no CREDENTIALS_HASH_KEY`];
  if (String(value).length < 32) return [`the ${fn} function's CREDENTIALS_HASH_KEY is shorter than 32 characters`];
  return secret && value === secret.outputs.result ? [] : [`the ${fn} function's CREDENTIALS_HASH_KEY is not the stack's CredentialsHashKey`];
}

export function checkFunction(synth: Synth, expect: Expectations): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth)?.inputs;
  if (!fn) return ["no API function"];
  if (fn.runtime !== "nodejs22.x") problems.push(`runtime is ${fn.runtime}`);
  if (!sameSet(list(fn.architectures), ["arm64"])) problems.push(`architectures are ${fmt(list(fn.architectures))}`);
  if (fn.handler !== "index.handler") problems.push(`handler is ${fn.handler}`);
  const env = fn.environment?.variables ?? {};
  if (env.TABLE_NAME !== mainTable(synth)?.inputs.name) problems.push("TABLE_NAME is not the table's name");
  if (env.KMS_KEY_ID !== connectionsKey(synth)?.outputs.arn) problems.push("KMS_KEY_ID is not the key's ARN");
  if (!env.CURSOR_SECRET || String(env.CURSOR_SECRET).length < 32) problems.push("CURSOR_SECRET is missing or short");
  problems.push(...credentialsHashKeyProblems(synth, "API", env.CREDENTIALS_HASH_KEY));
  // The authorizer verifies tokens; the function only reads its claims (functions/api/gateway-auth.ts).
  if (env.AUTH_JWKS_URL || env.AUTH_JWT_ALGORITHM) problems.push("the function gets JWKS settings, but it must trust the authorizer's claims, not verify tokens");
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
  problems.push(...kmsRefusedAlarmProblems(synth));
  const outputs = synth.outputs;
  for (const name of ["apiUrl", "tableName", "keyArn", "provisioningQueueUrl", "provisioningDlqUrl", "eventBusName"])
    if (!outputs[name]) problems.push(`output ${name} is missing`);
  return problems;
}

/**
 * The `KmsRefused` log lines (ALARMS in functions/core/alarms.ts) of the API and the intake are
 * counted by a metric filter on each one's log group, and one such line fires an alarm to the topic.
 */
function kmsRefusedAlarmProblems(synth: Synth): string[] {
  const problems: string[] = [];
  const topic = named(synth, "aws:sns/topic:Topic", NAMES.alarmTopic);
  const filters = byType(synth, "aws:cloudwatch/logMetricFilter:LogMetricFilter").filter((f) =>
    new RegExp(`\\$\\.alarm\\s*=\\s*"?${ALARMS.kmsRefused}"?`).test(String(f.inputs.pattern)),
  );
  for (const [label, component] of [["API", API_FUNCTION], ["provision", PROVISION_FUNCTION]] as const) {
    const logGroup = lambdaOf(synth, component)?.inputs.loggingConfig?.logGroup;
    const filter = filters.find((f) => f.inputs.logGroupName === logGroup);
    if (!filter) {
      problems.push(`no metric filter counts ${ALARMS.kmsRefused} lines of the ${label} function's log group`);
      continue;
    }
    const { namespace, name } = filter.inputs.metricTransformation ?? {};
    const fires = byType(synth, "aws:cloudwatch/metricAlarm:MetricAlarm").some(
      (a) =>
        a.inputs.namespace === namespace &&
        a.inputs.metricName === name &&
        a.inputs.comparisonOperator === "GreaterThanThreshold" &&
        Number(a.inputs.threshold) === 0 &&
        list(a.inputs.alarmActions).includes(topic?.outputs.arn),
    );
    if (!fires) problems.push(`no alarm fires to the alarm topic on one ${ALARMS.kmsRefused} line of the ${label} function`);
  }
  return problems;
}

/** The statements of the inline policies of the role a function runs with (undefined: the stack does not create it). */
function roleStatements(synth: Synth, roleArn: unknown): Statement[] | undefined {
  const role = byType(synth, "aws:iam/role:Role").find((r) => !r.read && r.outputs.arn === roleArn);
  if (!role) return undefined;
  return [
    ...byType(synth, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role.id),
    ...list<{ policy?: string }>(role.inputs.inlinePolicies).map((p) => ({ inputs: p })),
  ].flatMap((p) => (JSON.parse(String(p.inputs.policy)) as PolicyDocument).Statement);
}

/**
 * Compares what a role may do, resource by resource, with exactly what it needs: a missing action,
 * an extra one, or any other resource is a problem.
 */
function grantProblems(role: string, statements: Statement[], needs: Map<string, { what: string; actions: readonly string[] }>): string[] {
  const problems: string[] = [];
  const granted = new Map<string, Set<string>>();
  for (const s of statements) {
    if (s.Effect !== "Allow") continue;
    for (const resource of list(s.Resource))
      list(s.Action).forEach((a) => granted.set(resource, (granted.get(resource) ?? new Set()).add(a)));
  }
  for (const [resource, need] of needs) {
    const got = [...(granted.get(resource) ?? [])];
    if (!sameSet(got, need.actions)) problems.push(`the ${role} role may call ${fmt(got)} on ${need.what}; it needs ${fmt(need.actions)}`);
  }
  for (const [resource, actions] of granted)
    if (!needs.has(resource)) problems.push(`the ${role} role may call ${fmt([...actions])} on ${resource}, which it does not need`);
  return problems;
}

const SQS_CONSUMER = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
const STREAM_READER = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];
const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];

const queueByArn = (synth: Synth, arn: unknown) => byType(synth, "aws:sqs/queue:Queue").find((q) => !q.read && q.outputs.arn === arn);
const mappingsOf = (synth: Synth, fn: RecordedResource) =>
  byType(synth, "aws:lambda/eventSourceMapping:EventSourceMapping").filter((m) => m.inputs.functionName === fn.outputs.arn);
const logStreamsOf = (synth: Synth, fn: RecordedResource) => {
  const group = byType(synth, "aws:cloudwatch/logGroup:LogGroup").find((g) => g.inputs.name === fn.inputs.loggingConfig?.logGroup);
  return group ? `${group.outputs.arn}:log-stream:*` : undefined;
};

/** SSE-KMS with a customer-managed key of the stack, rotated, and not the connections key (whose policy refuses SQS's context). */
function queueEncryptionProblems(synth: Synth, queue: RecordedResource, label: string): string[] {
  const keyArn = queue.inputs.kmsMasterKeyId;
  if (!keyArn) return [`the ${label} is not encrypted with a customer-managed KMS key (SSE-KMS is off)`];
  const key = byType(synth, "aws:kms/key:Key").find((k) => !k.read && k.outputs.arn === keyArn);
  if (!key) return [`the ${label} is encrypted with ${keyArn}, which is not a key of the stack`];
  const problems: string[] = [];
  if (key.name === NAMES.key) problems.push(`the ${label} is encrypted with the connections key; it needs a key of its own`);
  if (key.inputs.enableKeyRotation !== true) problems.push(`the ${label}'s key ${key.name} has rotation off`);
  return problems;
}

/** The crypto actions a key's policy grants a principal. */
function keyPolicyGrants(synth: Synth, keyArn: unknown, principal: unknown): string[] {
  const key = byType(synth, "aws:kms/key:Key").find((k) => !k.read && k.outputs.arn === keyArn);
  const policy = JSON.parse(String(key?.inputs.policy ?? '{"Statement":[]}')) as PolicyDocument;
  return policy.Statement.filter(
    (s) => s.Effect === "Allow" && list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS).includes(String(principal)),
  )
    .flatMap((s) => list(s.Action))
    .filter((a) => CRYPTO_ACTIONS.test(a));
}

/** An alarm that fires to the alarm topic as soon as the queue holds one visible message. */
function depthAlarmProblems(synth: Synth, queue: RecordedResource, label: string): string[] {
  const topic = named(synth, "aws:sns/topic:Topic", NAMES.alarmTopic);
  const alarms = byType(synth, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
    (a) =>
      a.inputs.namespace === "AWS/SQS" &&
      a.inputs.metricName === "ApproximateNumberOfMessagesVisible" &&
      a.inputs.dimensions?.QueueName === queue.inputs.name,
  );
  if (alarms.length === 0) return [`no alarm on the depth of the ${label}`];
  const fires = alarms.some(
    (a) =>
      ((a.inputs.comparisonOperator === "GreaterThanThreshold" && Number(a.inputs.threshold) === 0) ||
        (a.inputs.comparisonOperator === "GreaterThanOrEqualToThreshold" && Number(a.inputs.threshold) === 1)) &&
      list(a.inputs.alarmActions).includes(topic?.outputs.arn),
  );
  return fires ? [] : [`the ${label}'s depth alarm does not fire on one message to the alarm topic`];
}

function functionProblems(fn: RecordedResource | undefined, label: string, synth: Synth): string[] {
  if (!fn) return [`no ${label} function`];
  const problems: string[] = [];
  const inputs = fn.inputs;
  if (inputs.runtime !== "nodejs22.x") problems.push(`the ${label} function's runtime is ${inputs.runtime}`);
  if (!sameSet(list(inputs.architectures), ["arm64"]))
    problems.push(`the ${label} function's architectures are ${fmt(list(inputs.architectures))}`);
  if (inputs.handler !== "index.handler") problems.push(`the ${label} function's handler is ${inputs.handler}`);
  const env = inputs.environment?.variables ?? {};
  if (env.AUTH_JWT_SECRET || env.DYNAMODB_ENDPOINT || env.OKTA_INSECURE_ALLOWLIST)
    problems.push(`a local-only variable is set in the ${label} function`);
  if (!logStreamsOf(synth, fn)) problems.push(`the ${label} function does not log to a log group of the stack`);
  return problems;
}

/** The bus: one, named in both functions' EVENT_BUS_NAME; nobody may put events anywhere else. */
export function checkBus(synth: Synth): string[] {
  const problems: string[] = [];
  const bus = only(synth, "aws:cloudwatch/eventBus:EventBus", problems);
  if (!bus) return problems;
  for (const [component, label] of [
    [PROVISION_FUNCTION, "provision"],
    [CHANGE_EVENTS_FUNCTION, "change-events"],
  ] as const) {
    const fn = lambdaOf(synth, component);
    if (fn?.inputs.environment?.variables?.EVENT_BUS_NAME !== bus.inputs.name)
      problems.push(`the ${label} function's EVENT_BUS_NAME is not the bus`);
  }
  for (const { where, doc } of policyDocuments(synth))
    for (const s of doc.Statement)
      if (list(s.Action).includes("events:PutEvents") && !sameSet(list(s.Resource), [String(bus.outputs.arn)]))
        problems.push(`${where} allows events:PutEvents on ${fmt(list(s.Resource))}, not only the bus`);
  return problems;
}

/** The intake: queue, DLQ, alarm, subscription, idempotency table, function and role (docs/deploy.md). */
export function checkProvisioning(synth: Synth, expect: Expectations): string[] {
  const fn = lambdaOf(synth, PROVISION_FUNCTION);
  const problems = functionProblems(fn, "provision", synth);
  if (!fn) return problems;
  const want = expect.provisioning;
  const table = mainTable(synth);
  const key = connectionsKey(synth);
  const bus = byType(synth, "aws:cloudwatch/eventBus:EventBus")[0];

  const mappings = mappingsOf(synth, fn).filter((m) => queueByArn(synth, m.inputs.eventSourceArn));
  if (mappings.length !== 1) return [...problems, `expected one queue subscription of the provision function, found ${mappings.length}`];
  const mapping = mappings[0]!.inputs;
  const queue = queueByArn(synth, mapping.eventSourceArn)!;
  if (!list(mapping.functionResponseTypes).includes("ReportBatchItemFailures"))
    problems.push("the intake subscription has no partial batch responses (ReportBatchItemFailures): one failure retries the whole batch");
  if (!(Number(mapping.batchSize) >= 1 && Number(mapping.batchSize) <= 10)) problems.push(`the intake batch size is ${mapping.batchSize}`);

  problems.push(...queueEncryptionProblems(synth, queue, "intake queue"));
  problems.push(...intakePolicyProblems(synth, queue, want.producers));
  const timeout = Number(fn.inputs.timeout);
  const visibility = Number(queue.inputs.visibilityTimeoutSeconds);
  if (!(visibility >= 6 * timeout))
    problems.push(
      `the intake queue's visibility timeout is ${visibility} s; at least 6 × the function timeout (${6 * timeout} s) is needed`,
    );
  const retention = Number(queue.inputs.messageRetentionSeconds ?? 345600);
  if (retention > want.idempotencyTtlSeconds || retention > want.markTtlSeconds)
    problems.push(
      `the intake queue keeps messages ${retention} s, longer than requestIds (${want.idempotencyTtlSeconds} s) or watermarks (${want.markTtlSeconds} s) are remembered`,
    );

  const redrive = queue.inputs.redrivePolicy
    ? (JSON.parse(String(queue.inputs.redrivePolicy)) as { deadLetterTargetArn?: string; maxReceiveCount?: number })
    : undefined;
  const dlq = queueByArn(synth, redrive?.deadLetterTargetArn);
  if (!redrive || !dlq) problems.push("the intake queue has no DLQ of the stack: a failing message is retried until it expires");
  else {
    const tries = Number(redrive.maxReceiveCount);
    if (!(tries >= 3 && tries <= 10))
      problems.push(`the intake queue's maxReceiveCount is ${redrive.maxReceiveCount}; between 3 and 10 bounds the retries`);
    problems.push(...queueEncryptionProblems(synth, dlq, "DLQ"));
    // A standard queue's message keeps its first enqueue time in the DLQ: a shorter retention there drops it early.
    if (Number(dlq.inputs.messageRetentionSeconds ?? 345600) < Math.max(retention, 14 * 24 * 3600))
      problems.push(
        `the DLQ keeps messages ${dlq.inputs.messageRetentionSeconds ?? 345600} s; 14 days and not less than the intake queue are needed`,
      );
    problems.push(...depthAlarmProblems(synth, dlq, "DLQ"));
  }

  const env = fn.inputs.environment?.variables ?? {};
  const idempotency = byType(synth, "aws:dynamodb/table:Table").find((t) => !t.read && t.inputs.name === env.IDEMPOTENCY_TABLE_NAME);
  if (!idempotency) problems.push("IDEMPOTENCY_TABLE_NAME is not a table of the stack");
  else {
    const t = idempotency.inputs;
    if (idempotency.name === NAMES.table) problems.push("the idempotency records share the connections table (and flood its stream)");
    if (t.hashKey !== want.idempotencyTable.partitionKey || t.rangeKey)
      problems.push(
        `the idempotency table's key is ${t.hashKey}/${t.rangeKey ?? "-"}; Powertools uses ${want.idempotencyTable.partitionKey}`,
      );
    const ttl = t.ttl?.enabled ? t.ttl.attributeName : undefined;
    if (ttl !== want.idempotencyTable.ttlAttribute)
      problems.push(`the idempotency table's TTL attribute is ${ttl ?? "unset"}, the code writes ${want.idempotencyTable.ttlAttribute}`);
    if (t.billingMode !== "PAY_PER_REQUEST") problems.push(`the idempotency table's billing mode is ${t.billingMode}, not on-demand`);
    if (t.pointInTimeRecovery?.enabled !== true) problems.push("the idempotency table has point-in-time recovery off");
    if (t.streamEnabled === true) problems.push("the idempotency table has a stream nobody reads");
  }
  if (env.TABLE_NAME !== table?.inputs.name) problems.push("the provision function's TABLE_NAME is not the table's name");
  if (env.KMS_KEY_ID !== key?.outputs.arn) problems.push("the provision function's KMS_KEY_ID is not the connections key");
  problems.push(...credentialsHashKeyProblems(synth, "provision", env.CREDENTIALS_HASH_KEY));

  if (!keyPolicyGrants(synth, queue.inputs.kmsMasterKeyId, fn.inputs.role).includes("kms:Decrypt"))
    problems.push("the intake queue's key policy does not let the provision role decrypt messages");

  const statements = roleStatements(synth, fn.inputs.role);
  if (!statements) return [...problems, `the provision function's role ${fn.inputs.role} is not created by the stack`];
  const needs = new Map<string, { what: string; actions: readonly string[] }>([
    [String(table?.outputs.arn), { what: "the connections table", actions: want.tableActions }],
    [String(idempotency?.outputs.arn), { what: "the idempotency table", actions: want.idempotencyActions }],
    [String(key?.outputs.arn), { what: "the connections key", actions: want.connectionsKeyActions }],
    [String(queue.outputs.arn), { what: "the intake queue", actions: SQS_CONSUMER }],
    [String(queue.inputs.kmsMasterKeyId), { what: "the queue key", actions: ["kms:Decrypt"] }],
    [String(bus?.outputs.arn), { what: "the bus", actions: ["events:PutEvents"] }],
    [String(logStreamsOf(synth, fn)), { what: "its log group", actions: LOGS }],
  ]);
  problems.push(...grantProblems("provision", statements, needs));
  for (const s of statements)
    if (list(s.Resource).includes(String(key?.outputs.arn)))
      problems.push(...conditionProblems("provision role KMS statement", s.Condition, expect));
  return problems;
}

/** The stream subscription: bounded, bisecting, reporting the failed record, parking what still fails. */
export function checkChangeEvents(synth: Synth): string[] {
  const fn = lambdaOf(synth, CHANGE_EVENTS_FUNCTION);
  const problems = functionProblems(fn, "change-events", synth);
  if (!fn) return problems;
  const table = mainTable(synth);
  const key = connectionsKey(synth);
  const bus = byType(synth, "aws:cloudwatch/eventBus:EventBus")[0];
  const env = fn.inputs.environment?.variables ?? {};
  if (env.KMS_KEY_ID) problems.push("the change-events function is given the connections key");

  const mappings = mappingsOf(synth, fn).filter((m) => m.inputs.eventSourceArn === table?.outputs.streamArn);
  if (mappings.length !== 1)
    return [...problems, `expected one subscription of the change-events function to the table's stream, found ${mappings.length}`];
  const m = mappings[0]!.inputs;
  const retries = m.maximumRetryAttempts;
  if (retries === undefined || retries === null || !(Number(retries) >= 0 && Number(retries) <= 10))
    problems.push(
      `the stream subscription's MaximumRetryAttempts is ${
        retries ?? "unset (retries until the records expire)"
      }; it must be bounded (0 to 10)`,
    );
  if (m.bisectBatchOnFunctionError !== true)
    problems.push("the stream subscription does not bisect a failing batch (BisectBatchOnFunctionError)");
  const age = Number(m.maximumRecordAgeInSeconds);
  if (!(age >= 60 && age <= 86400))
    problems.push(`the stream subscription's MaximumRecordAgeInSeconds is ${m.maximumRecordAgeInSeconds ?? "unset"}`);
  if (!list(m.functionResponseTypes).includes("ReportBatchItemFailures"))
    problems.push("the stream subscription has no ReportBatchItemFailures: the handler's failed record is ignored");
  if (Number(m.parallelizationFactor ?? 1) !== 1)
    problems.push("the stream subscription's parallelization factor is not 1 (events of one connection could reorder)");
  // The handler makes deleted events from the delete's audit item: a filter that drops it loses them.
  const patterns = list(m.filterCriteria?.filters as { pattern: string }[] | undefined).map((f) => JSON.parse(f.pattern));
  if (JSON.stringify(patterns) !== JSON.stringify(CHANGE_EVENT_FILTERS))
    problems.push(`the stream subscription's filters ${JSON.stringify(patterns)} are not the code's CHANGE_EVENT_FILTERS`);
  const destination = m.destinationConfig?.onFailure?.destinationArn;
  const failures = queueByArn(synth, destination);
  if (!destination) problems.push("the stream subscription has no on-failure destination: records that still fail are dropped");
  else if (!failures) problems.push(`the stream subscription's on-failure destination ${destination} is not a queue of the stack`);
  else {
    problems.push(...queueEncryptionProblems(synth, failures, "on-failure queue"));
    problems.push(...depthAlarmProblems(synth, failures, "on-failure queue"));
    if (!keyPolicyGrants(synth, failures.inputs.kmsMasterKeyId, fn.inputs.role).includes("kms:GenerateDataKey"))
      problems.push("the on-failure queue's key policy does not let the change-events role send to it");
  }

  const statements = roleStatements(synth, fn.inputs.role);
  if (!statements) return [...problems, `the change-events function's role ${fn.inputs.role} is not created by the stack`];
  if (statements.some((s) => list(s.Resource).includes(String(key?.outputs.arn))))
    problems.push("the change-events role may use the connections key; it never reads a secret");
  const needs = new Map<string, { what: string; actions: readonly string[] }>([
    [String(table?.outputs.streamArn), { what: "the table's stream", actions: STREAM_READER }],
    [String(bus?.outputs.arn), { what: "the bus", actions: ["events:PutEvents"] }],
    [String(destination), { what: "the on-failure queue", actions: ["sqs:SendMessage"] }],
    [String(failures?.inputs.kmsMasterKeyId), { what: "the on-failure queue's key", actions: ["kms:GenerateDataKey", "kms:Decrypt"] }],
    [String(logStreamsOf(synth, fn)), { what: "its log group", actions: LOGS }],
  ]);
  problems.push(...grantProblems("change-events", statements, needs));
  return problems;
}

const PERMISSION = "aws:lambda/permission:Permission";

/**
 * The API function trusts the JWT authorizer's claims in its event, so nothing but this API may
 * invoke it: every invoke permission on it names API Gateway and this API's execution ARN, and
 * it has no function URL (which would reach it without the authorizer).
 */
export function checkInvokers(synth: Synth): string[] {
  const problems: string[] = [];
  const fn = apiFunction(synth);
  const api = only(synth, "aws:apigatewayv2/api:Api", problems);
  if (!fn || !api) return [...problems, "no API function or API"];
  const refersToFunction = (value: unknown) => [fn.outputs.arn, fn.outputs.name, fn.inputs.name].includes(String(value));
  const permissions = byType(synth, PERMISSION).filter((p) => refersToFunction(p.inputs.function));
  if (permissions.length === 0) problems.push("no permission lets API Gateway invoke the API function");
  for (const p of permissions) {
    if (p.inputs.principal !== "apigateway.amazonaws.com") problems.push(`lambda permission ${p.name} lets ${p.inputs.principal} invoke the API function`);
    if (!String(p.inputs.sourceArn ?? "").startsWith(`${api.outputs.executionArn}/`))
      problems.push(`lambda permission ${p.name} lets callers other than this API invoke the API function (source ${p.inputs.sourceArn ?? "any"})`);
  }
  for (const url of byType(synth, "aws:lambda/functionUrl:FunctionUrl"))
    if (refersToFunction(url.inputs.functionName)) problems.push(`function URL ${url.name} reaches the API function without the authorizer`);
  return problems;
}

/**
 * The intake queue's resource policy: `sqs:SendMessage` allowed to exactly the configured producers
 * and denied to every other principal (so no identity policy of the account can open it wider).
 */
function intakePolicyProblems(synth: Synth, queue: RecordedResource, producers: string[]): string[] {
  const policies = byType(synth, "aws:sqs/queuePolicy:QueuePolicy").filter((p) => p.inputs.queueUrl === queue.outputs.url);
  if (policies.length !== 1) return [`expected one resource policy on the intake queue, found ${policies.length}`];
  const doc = JSON.parse(policies[0]!.inputs.policy) as PolicyDocument;
  const problems: string[] = [];
  const onQueue = (s: Statement) => list(s.Resource).every((r) => r === queue.outputs.arn) && list(s.Resource).length > 0;
  for (const s of doc.Statement.filter((s) => s.Effect === "Allow")) {
    const principals = list((s.Principal as { AWS?: string | string[] } | undefined)?.AWS);
    if (!sameSet(list(s.Action), ["sqs:SendMessage"]) || !onQueue(s))
      problems.push(`the intake queue's policy allows ${fmt(list(s.Action))} on ${fmt(list(s.Resource))}; only sqs:SendMessage on the queue`);
    if (!sameSet(principals, producers))
      problems.push(`the intake queue's policy lets ${fmt(principals)} send; PROVISIONING_PRODUCERS names ${fmt(producers)}`);
  }
  if (!doc.Statement.some((s) => s.Effect === "Allow")) problems.push("the intake queue's policy names no producer");
  const denies = doc.Statement.filter(
    (s) => s.Effect === "Deny" && s.Principal === "*" && list(s.Action).includes("sqs:SendMessage") && onQueue(s),
  );
  const exempt = denies.map((s) => list(s.Condition?.ArnNotLike?.["aws:PrincipalArn"]));
  if (!exempt.some((arns) => sameSet(arns, producers)))
    problems.push("the intake queue's policy does not deny sqs:SendMessage to every principal but the producers");
  return problems;
}

/** API Gateway's HTTP API ends an integration after 30 s whatever the Lambda's own timeout. */
const GATEWAY_INTEGRATION_LIMIT_SECONDS = 30;

/**
 * Each Lambda's timeout sits above the worst case of its unit of work, summed from the deadlines
 * of every outside call it makes (functions/core/deadlines.ts) times the batch it is given; so a
 * slow DNS, Okta or AWS answer ends as the service's own error, never as a Lambda timeout.
 */
export function checkDeadlines(synth: Synth): string[] {
  const problems: string[] = [];
  const seconds = (ms: number) => Math.round(ms) / 1000;
  const need = (fn: RecordedResource | undefined, label: string, worstMs: number) => {
    if (!fn) return problems.push(`no ${label} function`);
    const timeout = Number(fn.inputs.timeout);
    if (!(timeout * 1000 > worstMs))
      problems.push(`the ${label} function's timeout is ${timeout} s; its worst case adds up to ${seconds(worstMs)} s (functions/core/deadlines.ts)`);
    return timeout;
  };
  const batchOf = (fn: RecordedResource | undefined) => Number(fn ? mappingsOf(synth, fn)[0]?.inputs.batchSize ?? 1 : 1);
  const api = apiFunction(synth);
  const apiTimeout = need(api, "API", worstCaseMs(WORST_PATHS.api));
  if (Number(apiTimeout) > GATEWAY_INTEGRATION_LIMIT_SECONDS)
    problems.push(`the API function's timeout is ${apiTimeout} s; API Gateway gives up after ${GATEWAY_INTEGRATION_LIMIT_SECONDS} s`);
  const provision = lambdaOf(synth, PROVISION_FUNCTION);
  need(provision, "provision", batchOf(provision) * worstCaseMs(WORST_PATHS.provisionMessage));
  const events = lambdaOf(synth, CHANGE_EVENTS_FUNCTION);
  need(events, "change-events", Math.ceil(batchOf(events) / 10) * worstCaseMs(WORST_PATHS.changeEventsChunk));
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
    ...checkInvokers(synth),
    ...checkOperations(synth),
    ...checkBus(synth),
    ...checkProvisioning(synth, expect),
    ...checkChangeEvents(synth),
    ...checkDeadlines(synth),
    ...checkHealth(synth, expect),
  ];
}

/** A Lambda function of the stack on nodejs22.x arm64, with the given handler, logging to its own group. */
function healthFunctionProblems(fn: RecordedResource | undefined, label: string, handler: string, synth: Synth): string[] {
  const problems = functionProblems(fn, label, synth).filter((p) => !p.includes("handler is"));
  if (fn && fn.inputs.handler !== handler) problems.push(`the ${label} function's handler is ${fn.inputs.handler}, not ${handler}`);
  return problems;
}

/**
 * Health checks (section 8, section 10): the schedule → sweep → queue (SSE-KMS, bounded and
 * alarmed DLQ) → checker chain, each role exactly what it needs (the checker's UpdateItem limited
 * to health attributes, its Decrypt to the connection encryption context), and the unhealthy metric with an alarm.
 */
export function checkHealth(synth: Synth, expect: Expectations): string[] {
  const sweep = lambdaOf(synth, HEALTH_SWEEP_FUNCTION);
  const checker = lambdaOf(synth, HEALTH_CHECK_FUNCTION);
  const problems = [
    ...healthFunctionProblems(sweep, "health sweep", "index.sweep", synth),
    ...healthFunctionProblems(checker, "health check", "index.check", synth),
  ];
  if (!sweep || !checker) return problems;
  const table = mainTable(synth);
  const key = connectionsKey(synth);
  const topic = named(synth, "aws:sns/topic:Topic", NAMES.alarmTopic);

  const rules = byType(synth, "aws:cloudwatch/eventRule:EventRule").filter((r) =>
    byType(synth, "aws:cloudwatch/eventTarget:EventTarget").some((t) => t.inputs.rule === r.outputs.name && t.inputs.arn === sweep.outputs.arn),
  );
  if (rules.length !== 1) problems.push(`expected one schedule that starts the health sweep, found ${rules.length}`);
  else {
    if (rules[0]!.inputs.scheduleExpression !== health.schedule)
      problems.push(`the health schedule is ${rules[0]!.inputs.scheduleExpression}, the sweep looks ahead for ${health.schedule}`);
    const invoke = byType(synth, "aws:lambda/permission:Permission").some(
      (p) => p.inputs.principal === "events.amazonaws.com" && p.inputs.sourceArn === rules[0]!.outputs.arn && p.inputs.function === sweep.inputs.name,
    );
    if (!invoke) problems.push("the health schedule may not invoke the sweep (no lambda permission for that rule)");
  }

  const mappings = mappingsOf(synth, checker).filter((m) => queueByArn(synth, m.inputs.eventSourceArn));
  if (mappings.length !== 1) return [...problems, `expected one queue subscription of the health checker, found ${mappings.length}`];
  const mapping = mappings[0]!.inputs;
  const queue = queueByArn(synth, mapping.eventSourceArn)!;
  if (!list(mapping.functionResponseTypes).includes("ReportBatchItemFailures")) problems.push("the health checker has no partial batch responses");
  if (!(Number(mapping.scalingConfig?.maximumConcurrency) >= 2)) problems.push("the health checker's concurrency is not bounded by the mapping");
  problems.push(...queueEncryptionProblems(synth, queue, "health queue"));
  if (!(Number(queue.inputs.visibilityTimeoutSeconds) >= 6 * Number(checker.inputs.timeout)))
    problems.push("the health queue's visibility timeout is below 6 × the checker's timeout");
  const redrive = queue.inputs.redrivePolicy ? (JSON.parse(String(queue.inputs.redrivePolicy)) as { deadLetterTargetArn?: string; maxReceiveCount?: number }) : undefined;
  const dlq = queueByArn(synth, redrive?.deadLetterTargetArn);
  if (!dlq) problems.push("the health queue has no DLQ of the stack");
  else {
    if (!(Number(redrive?.maxReceiveCount) >= 3 && Number(redrive?.maxReceiveCount) <= 10)) problems.push("the health queue's retries are not bounded (3 to 10)");
    problems.push(...queueEncryptionProblems(synth, dlq, "health DLQ"), ...depthAlarmProblems(synth, dlq, "health DLQ"));
  }

  const sweepEnv = sweep.inputs.environment?.variables ?? {};
  if (sweepEnv.HEALTH_QUEUE_URL !== queue.outputs.url) problems.push("the sweep's HEALTH_QUEUE_URL is not the health queue");
  if (sweepEnv.KMS_KEY_ID) problems.push("the health sweep is given the connections key");
  const checkEnv = checker.inputs.environment?.variables ?? {};
  if (checkEnv.TABLE_NAME !== table?.inputs.name || sweepEnv.TABLE_NAME !== table?.inputs.name) problems.push("a health function's TABLE_NAME is not the table");
  if (checkEnv.KMS_KEY_ID !== key?.outputs.arn) problems.push("the health checker's KMS_KEY_ID is not the connections key");
  if (!keyPolicyGrants(synth, queue.inputs.kmsMasterKeyId, sweep.inputs.role).includes("kms:GenerateDataKey"))
    problems.push("the queue key's policy does not let the sweep send to the health queue");
  if (!keyPolicyGrants(synth, queue.inputs.kmsMasterKeyId, checker.inputs.role).includes("kms:Decrypt"))
    problems.push("the queue key's policy does not let the checker receive from the health queue");

  const queueKeyArn = String(queue.inputs.kmsMasterKeyId);
  const sweepStatements = roleStatements(synth, sweep.inputs.role) ?? [];
  problems.push(
    ...grantProblems("health sweep", sweepStatements, new Map([
      [`${table?.outputs.arn}/index/${GSI2}`, { what: "the due index", actions: ["dynamodb:Query"] }],
      [String(queue.outputs.arn), { what: "the health queue", actions: ["sqs:SendMessage"] }],
      [queueKeyArn, { what: "the queue key", actions: ["kms:GenerateDataKey", "kms:Decrypt"] }],
      [String(logStreamsOf(synth, sweep)), { what: "its log group", actions: LOGS }],
    ])),
  );
  const checkStatements = roleStatements(synth, checker.inputs.role) ?? [];
  problems.push(
    ...grantProblems("health check", checkStatements, new Map([
      [String(table?.outputs.arn), { what: "the connections table", actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"] }],
      [String(key?.outputs.arn), { what: "the connections key", actions: ["kms:Decrypt"] }],
      [String(queue.outputs.arn), { what: "the health queue", actions: SQS_CONSUMER }],
      [queueKeyArn, { what: "the queue key", actions: ["kms:Decrypt"] }],
      [String(logStreamsOf(synth, checker)), { what: "its log group", actions: LOGS }],
    ])),
  );
  for (const s of checkStatements) {
    if (list(s.Resource).includes(String(key?.outputs.arn))) problems.push(...conditionProblems("health check role KMS statement", s.Condition, expect));
    if (list(s.Action).includes("dynamodb:UpdateItem")) {
      const attributes = list(s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]);
      if (!sameSet(attributes, health.checkerAttributes))
        problems.push(`the health check role's UpdateItem may write ${fmt(attributes.length ? attributes : ["every attribute"])}; only ${fmt(health.checkerAttributes)}`);
    }
  }

  const filters = byType(synth, "aws:cloudwatch/logMetricFilter:LogMetricFilter").filter(
    (f) => f.inputs.logGroupName === checker.inputs.loggingConfig?.logGroup && f.inputs.metricTransformation?.name === health.metric.name,
  );
  if (filters.length !== 1) problems.push("no metric of unhealthy connections from the checker's log");
  const alarms = byType(synth, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
    (a) => a.inputs.metricName === health.metric.name && a.inputs.namespace === health.metric.namespace && list(a.inputs.alarmActions).includes(topic?.outputs.arn),
  );
  if (alarms.length === 0) problems.push("no alarm on unhealthy connections to the alarm topic");
  return problems;
}
