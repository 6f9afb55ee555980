import { createServer, type Server } from "node:http";
import { API_TOKEN_PATTERN } from "../core/connections/schemas";
import { demoUsersPage } from "./demo-okta-users";

/**
 * A stand-in Okta org for demos (`npm run start:demo`): `GET /api/v1/users/me` answers 200 for any
 * token of Okta's shape, except tokens that start with `00invalid`, which get Okta's 401.
 * `GET /api/v1/users` lists a few users with Okta's `link` paging (the README's proxy examples).
 */
export async function startDemoOkta(port: number): Promise<{ origin: string; hostPort: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^SSWS /, "");
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const page = demoUsersPage(req.method, req.url ?? "/", `http://127.0.0.1:${port}`);
    if (!page && (req.method !== "GET" || req.url !== "/api/v1/users/me")) return json(404, { errorCode: "E0000007", errorSummary: "Not found" });
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
