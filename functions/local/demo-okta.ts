import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { API_TOKEN_PATTERN } from "../core/connections/schemas";
import { demoUsersPage } from "./demo-okta-users";
import { createDemoOAuth, DEMO_CLIENTS_DIR } from "./demo-okta-oauth";

/**
 * A stand-in Okta org for demos (`npm run start:demo`): `GET /api/v1/users/me` answers 200 for any
 * token of Okta's shape, except tokens that start with `00invalid`, which get Okta's 401.
 * `GET /api/v1/users` lists a few users with Okta's `link` paging (the README's proxy examples).
 */
export async function startDemoOkta(port: number, opts: { dataDir?: string } = {}): Promise<{ origin: string; hostPort: string; close(): Promise<void> }> {
  // Service apps (client-credentials): demo-okta-oauth.ts, keys registered under DATA_DIR.
  const oauth = createDemoOAuth(join(opts.dataDir ?? ".data", DEMO_CLIENTS_DIR));
  const server: Server = createServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^SSWS /, "");
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "POST" && req.url === "/oauth2/v1/token") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => void oauth.token(new URLSearchParams(Buffer.concat(chunks).toString("utf8")), `http://${hostPort}/oauth2/v1/token`).then((a) => json(a.status, a.body)));
      return;
    }
    const page = demoUsersPage(req.method, req.url ?? "/", `http://127.0.0.1:${port}`);
    if (!page && (req.method !== "GET" || req.url !== "/api/v1/users/me")) return json(404, { errorCode: "E0000007", errorSummary: "Not found" });
    if (oauth.accepts(req.headers.authorization)) {
      if (page) return res.writeHead(200, { "content-type": "application/json", link: page.link }).end(JSON.stringify(page.users));
      return json(200, { id: "00udemoservice", status: "ACTIVE", profile: { login: "service-app@example.com" } });
    }
    if (!API_TOKEN_PATTERN.test(token) || token.startsWith("00invalid")) {
      return json(401, { errorCode: "E0000011", errorSummary: "Invalid token provided" });
    }
    if (page) return res.writeHead(200, { "content-type": "application/json", link: page.link }).end(JSON.stringify(page.users));
    return json(200, { id: "00udemo", status: "ACTIVE", profile: { login: "demo.admin@example.com" } });
  });
  await new Promise<void>((ready, fail) => server.once("error", fail).listen(port, "127.0.0.1", ready));
  const hostPort = `127.0.0.1:${port}`;
  return { origin: `http://${hostPort}`, hostPort, close: () => new Promise((done) => server.close(() => done())) };
}
