// Bundled into the stack program by ../synth.ts, before sst.config.ts. It stands in for the SST
// CLI (globals, its RPC server) and for AWS (Pulumi mocks), and records every resource's inputs.
// Plain JavaScript: it imports the @pulumi/pulumi that `sst install` put in .sst/platform.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
const root = process.env.INFRA_SYNTH_ROOT;
const stage = process.env.INFRA_SYNTH_STAGE;

/** @type {{ type: string, name: string, id: string, read: boolean, inputs: Record<string, unknown>, outputs: Record<string, unknown> }[]} */
const resources = [];
/** @type {{ method: string, args: unknown }[]} */
const rpcCalls = [];
/** @type {{ token: string, inputs: unknown }[]} */
const invokes = [];

globalThis.$dev = false;
globalThis.$cli = {
  command: "deploy",
  dev: false,
  paths: { home: process.env.XDG_CONFIG_HOME ?? root, root, work: resolve(root, ".sst"), platform: resolve(root, ".sst/platform") },
  state: { version: {} },
};

// The CLI's RPC server: the bootstrap buckets and function builds that SST components ask for.
const rpc = {
  "Provider.Aws.Bootstrap": () => ({
    asset: "sst-asset-ci",
    assetEcrRegistryId: ACCOUNT,
    assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
    state: "sst-state-ci",
    appsyncHttp: "",
    appsyncRealtime: "",
  }),
  "Runtime.Build": (input) => {
    if (!input.bundle) return { errors: [`${input.functionID}: the check only supports pre-built bundles`] };
    return { handler: input.handler, out: resolve(root, input.bundle), errors: [], sourcemaps: [] };
  },
};
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const { method, params } = JSON.parse(body);
    rpcCalls.push({ method, args: params[0] });
    const handler = rpc[method];
    res.setHeader("content-type", "application/json");
    if (!handler) return res.end(JSON.stringify({ error: `rpc: can't find method ${method}` }));
    res.end(JSON.stringify({ result: handler(params[0]) }));
  });
});
// Idle keep-alive connections would hold the process open for seconds after the last call.
server.keepAliveTimeout = 100;
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
process.env.SST_SERVER = `http://127.0.0.1:${server.address().port}`;
server.unref();

// AWS, as far as the program can tell: computed attributes with plausible values.
const physical = (name, inputs) => inputs.name ?? `${name}-${stage}`;
function computed(type, name, inputs) {
  const [pkg, mod] = type.split(":");
  const service = (mod ?? "").split("/")[0];
  const id = physical(name, inputs);
  const base = { id, name: id, arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${service}/${id}` };
  switch (type) {
    case "aws:dynamodb/table:Table":
      return {
        ...base,
        arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`,
        streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}/stream/2026-01-01T00:00:00.000`,
      };
    case "aws:kms/key:Key": {
      // One key id per key, stable across runs.
      const hex = createHash("sha256").update(name).digest("hex");
      const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      return { ...base, keyId, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}` };
    }
    case "aws:iam/role:Role":
      return { ...base, arn: `arn:aws:iam::${ACCOUNT}:role/${id}`, uniqueId: `AROA${id}` };
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
      return {
        ...base,
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        version: "$LATEST",
      };
    }
    case "aws:apigatewayv2/api:Api":
      return {
        ...base,
        id: "a1b2c3d4e5",
        apiEndpoint: `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:a1b2c3d4e5`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { ...base, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}` };
    case "aws:sqs/queue:Queue":
      return {
        ...base,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`,
      };
    case "aws:cloudwatch/eventBus:EventBus":
      return { ...base, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${id}` };
    case "aws:sns/topic:Topic":
      return { ...base, arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${id}` };
    case "random:index/randomPassword:RandomPassword":
      return { ...base, result: "x".repeat(Number(inputs.length ?? 32)) };
    case "random:index/randomBytes:RandomBytes":
      return {
        ...base,
        base64: Buffer.alloc(Number(inputs.length ?? 32)).toString("base64"),
        hex: "00".repeat(Number(inputs.length ?? 32)),
      };
    default:
      return pkg === "aws" ? base : { id };
  }
}

// aws:iam/getPolicyDocument in Terraform's shape, enough for the components that build policies with it.
function policyDocument(inputs) {
  const list = (v) => (v === undefined ? undefined : [v].flat());
  const Statement = (inputs.statements ?? []).map((s) => ({
    ...(s.sid ? { Sid: s.sid } : {}),
    Effect: s.effect ?? "Allow",
    ...(s.actions ? { Action: list(s.actions) } : {}),
    ...(s.notActions ? { NotAction: list(s.notActions) } : {}),
    ...(s.resources ? { Resource: list(s.resources) } : {}),
    ...(s.notResources ? { NotResource: list(s.notResources) } : {}),
    ...(s.principals ? { Principal: Object.fromEntries(s.principals.map((p) => [p.type, list(p.identifiers)])) } : {}),
    ...(s.conditions
      ? { Condition: s.conditions.reduce((acc, c) => ({ ...acc, [c.test]: { ...acc[c.test], [c.variable]: list(c.values) } }), {}) }
      : {}),
  }));
  const json = JSON.stringify({ Version: "2012-10-17", Statement });
  return { id: "policy", json, minifiedJson: json };
}

const calls = {
  "aws:index/getRegion:getRegion": () => ({
    id: REGION,
    name: REGION,
    region: REGION,
    endpoint: `ec2.${REGION}.amazonaws.com`,
    description: "US East (N. Virginia)",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: ACCOUNT,
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
    userId: "AIDACI",
  }),
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:iam/getPolicyDocument:getPolicyDocument": policyDocument,
};

pulumi.runtime.setMocks(
  {
    newResource({ type, name, inputs, id }) {
      const state = { ...computed(type, name, inputs), ...inputs };
      // An empty id means "unknown" to Pulumi (a preview); new resources get one, reads keep theirs.
      const resourceId = id || state.id;
      resources.push({ type, name, id: resourceId, read: Boolean(id), inputs, outputs: state });
      return { id: resourceId, state };
    },
    call({ token, inputs }) {
      invokes.push({ token, inputs });
      const handler = calls[token];
      if (!handler) throw new Error(`The offline check has no mock for ${token}`);
      return handler(inputs);
    },
  },
  "okta-app-connections",
  stage,
  false,
);

/**
 * Hands the record to the parent once nothing is left to do: resources keep registering after
 * `run()` returns (outputs resolve, bundles are zipped), so the end is when the event loop drains.
 */
export async function finish(outputs) {
  await pulumi.runtime.disconnect();
  process.once("beforeExit", () => {
    writeFileSync(process.env.INFRA_SYNTH_OUT, JSON.stringify({ stage, outputs, resources, rpcCalls, invokes }, null, 1));
  });
}
