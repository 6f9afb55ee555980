import { parseArgs } from "node:util";
import { loadConfig } from "../core/config";
import { mintDevToken } from "./dev-token";
import { loadOrCreateLocalSecrets } from "./secrets";

/**
 * `npm run token -- --org acme --project web --role admin [--org-role admin] [--sub alice]`
 * prints a bearer token for the local server (signed with AUTH_JWT_SECRET or DATA_DIR's secret).
 */
const { values } = parseArgs({
  options: {
    org: { type: "string", default: "dev-org" },
    project: { type: "string", multiple: true, default: [] },
    role: { type: "string", default: "admin" },
    "org-role": { type: "string" },
    sub: { type: "string", default: "dev-user" },
    ttl: { type: "string", default: "43200" },
  },
});

const role = values.role as "admin" | "member" | "viewer";
if (!["admin", "member", "viewer"].includes(role)) throw new Error("--role must be admin, member or viewer");
const projects = Object.fromEntries((values.project ?? []).map((project) => [project, role]));
// Without --project, --role sets the org role; with it, the project role (org role defaults to member).
const orgRole = (values["org-role"] ?? (values.project?.length ? "member" : role === "admin" ? "admin" : "member")) as "admin" | "member";

const config = loadConfig(process.env);
const secret = config.AUTH_JWT_SECRET ?? loadOrCreateLocalSecrets(config.DATA_DIR).authJwtSecret;
const token = await mintDevToken(secret, { sub: values.sub!, orgId: values.org!, orgRole, projects, ttlSeconds: Number(values.ttl) });
process.stdout.write(token + "\n");
