// One cold start, in a fresh `node` process: import a bundle, then serve its first requests.
// Plain JavaScript on purpose: no loader (tsx) may sit between Node and the import being timed.
// argv: <bundle path> ; env BENCH_TOKEN (a bearer token) and BENCH_JWKS (the JWKS serving its key).
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const jwks = process.env.BENCH_JWKS;
if (jwks) {
  // The issuer's JWKS endpoint, on loopback: the first authenticated request fetches it.
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  server.unref();
  process.env.AUTH_JWKS_URL = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
}

const event = (method, path, headers = {}) => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: "",
  headers: { host: "api.example.com", "user-agent": "cold-probe", ...headers },
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
  },
  isBase64Encoded: false,
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
const unauthorized = await timed(event("GET", "/api/v1/app-connections/options"));
const auth = { authorization: `Bearer ${process.env.BENCH_TOKEN}` };
const authenticated = await timed(event("GET", "/api/v1/app-connections/options", auth));
const authenticatedAgain = await timed(event("GET", "/api/v1/app-connections/options", auth));
// Last: a route whose code is a chunk loaded on first use (the API's OpenAPI document; the floor has no such route).
const openApi = await timed(event("GET", "/openapi.json"));

process.stdout.write(
  "\nBENCH " + JSON.stringify({ importMs: imported - t0, importCpuMs: (cpu.user + cpu.system) / 1000, healthz, unauthorized, authenticated, authenticatedAgain, openApi }) + "\n",
);
// Keep-alive sockets to the JWKS server (and any SDK timers) would hold the process open.
process.exit(0);
