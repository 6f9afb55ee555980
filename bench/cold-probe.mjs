// One cold start, in a fresh `node` process: import a bundle, then serve its first requests.
// Plain JavaScript on purpose: no loader (tsx) may sit between Node and the import being timed.
// argv: <bundle path>; env BENCH_PATH (GET by id of a stored connection) and BENCH_CLAIMS (JSON:
// the claims API Gateway's JWT authorizer hands over once it has verified the caller's token),
// BENCH_CREATE (JSON: the POST path and a create body whose name the probe makes unique).
import { pathToFileURL } from "node:url";

const claims = JSON.parse(process.env.BENCH_CLAIMS ?? "{}");
const byId = process.env.BENCH_PATH ?? "/api/v1/app-connections/okta/none";

const create = process.env.BENCH_CREATE ? JSON.parse(process.env.BENCH_CREATE) : undefined;

const event = (method, path, authorizer, body) => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: "",
  headers: {
    host: "api.example.com",
    "user-agent": "cold-probe",
    ...(authorizer ? { authorization: "Bearer verified.by.gateway" } : {}),
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  },
  requestContext: {
    accountId: "123456789012",
    apiId: "a1b2c3d4e5",
    domainName: "api.example.com",
    domainPrefix: "api",
    http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "cold-probe" },
    requestId: `req-${Math.random()}`,
    routeKey: "$default",
    stage: "$default",
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
    ...(authorizer ? { authorizer } : {}),
  },
  isBase64Encoded: false,
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const context = { awsRequestId: "cold-probe", functionName: "cold-probe", getRemainingTimeInMillis: () => 20_000 };

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const imported = performance.now();
// CPU time barely moves when other processes compete for the cores; wall time does.
const cpu = process.cpuUsage(cpu0);

if (typeof handler !== "function") {
  // A bundle of the breakdown: only its import is measured.
  process.stdout.write("\nBENCH " + JSON.stringify({ importMs: imported - t0, importCpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
  process.exit(0);
}

async function timed(e) {
  const start = performance.now();
  const res = await handler(e, context);
  return { ms: performance.now() - start, status: res.statusCode };
}
const healthz = await timed(event("GET", "/healthz"));
const unauthorized = await timed(event("GET", byId));
const verified = { jwt: { claims, scopes: null } };
const authenticated = await timed(event("GET", byId, verified));
const authenticatedAgain = await timed(event("GET", byId, verified));
// Last: a route whose code is a chunk loaded on first use (the API's OpenAPI document; the floor has no such route).
const openApi = await timed(event("GET", "/openapi.json"));
// Then two creates: the first loads what touches credentials (KMS client and sealer, URL guard,
// Okta client), which the API loads on first use; the second shows the same create without that.
const named = (n) => event("POST", create.path, verified, { ...create.body, name: `${create.body.name}-${process.pid}-${n}` });
const firstCreate = create ? await timed(named(1)) : undefined;
const secondCreate = create ? await timed(named(2)) : undefined;

process.stdout.write(
  "\nBENCH " + JSON.stringify({ importMs: imported - t0, importCpuMs: (cpu.user + cpu.system) / 1000, healthz, unauthorized, authenticated, authenticatedAgain, openApi, firstCreate, secondCreate }) + "\n",
);
// Keep-alive sockets to DynamoDB (and any SDK timers) would hold the process open.
process.exit(0);
