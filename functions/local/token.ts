import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../core/config";
import { ID_PATTERN } from "../core/connections/schemas";
import { mintDevToken } from "./dev-token";
import { loadOrCreateLocalSecrets } from "./secrets";

/**
 * `npm run token -- [flags]`: prints a bearer token for the local server (signed with
 * AUTH_JWT_SECRET or DATA_DIR's secret). A bad flag or value is one line on stderr and exit code 2.
 */
const USAGE = `Usage: npm run token -- [--org <id>] [--project <id>]... [--role admin|member|viewer]
                        [--org-role admin|member] [--sub <id>] [--ttl <seconds>]

Prints a bearer token the local server (npm start) accepts, signed with AUTH_JWT_SECRET or the
secret generated in DATA_DIR (default .data).

  --org <id>        the org (org_id claim)                                    default: dev-org
  --project <id>    a project the token has a role in; repeat for several     default: none
  --role <role>     with --project: the role in those projects (admin, member or viewer);
                    without: the org role (admin, else member)                default: admin
  --org-role <role> the org role, overriding the above (admin or member)      default: see --role
  --sub <id>        the user (sub claim)                                      default: dev-user
  --ttl <seconds>   how long the token is valid, 1 to 2592000 (30 days)       default: 43200 (12 h)
  --help            this text

Examples:
  npm run token -- --org dev-org --project web --role viewer     # a viewer of project "web"
  npm run token -- --org dev-org --role admin                    # an org admin
`;

class UsageError extends Error {}

const ROLES = ["admin", "member", "viewer"] as const;
const ORG_ROLES = ["admin", "member"] as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be ${allowed.join(", ").replace(/, (\w+)$/, " or $1")}, not "${value}"`);
  return value as T;
}

function identifier(flag: string, value: string): string {
  if (!ID_PATTERN.test(value)) throw new UsageError(`--${flag} must be 1-128 letters, digits, '_', '.', ':' or '-' (starting with a letter or digit)`);
  return value;
}

function readFlags(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        org: { type: "string", default: "dev-org" },
        project: { type: "string", multiple: true, default: [] },
        role: { type: "string", default: "admin" },
        "org-role": { type: "string" },
        sub: { type: "string", default: "dev-user" },
        ttl: { type: "string", default: "43200" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    // parseArgs words it well ("Unknown option '--foo'"); its hint about `--` does not apply here.
    throw new UsageError((error as Error).message.split(". To specify")[0]!.replace(/\.$/, ""));
  }
  return parsed.values;
}

async function main() {
  const values = readFlags(process.argv.slice(2));
  if (values.help) return void process.stdout.write(USAGE);
  const role = oneOf("role", values.role!, ROLES);
  const projects = Object.fromEntries(values.project!.map((project) => [identifier("project", project), role]));
  // Without --project, --role sets the org role; with it, the project role (org role defaults to member).
  const orgRole = values["org-role"] !== undefined ? oneOf("org-role", values["org-role"], ORG_ROLES) : !values.project!.length && role === "admin" ? "admin" : "member";
  if (!/^[0-9]{1,7}$/.test(values.ttl!) || Number(values.ttl) < 1 || Number(values.ttl) > 2_592_000) {
    throw new UsageError("--ttl must be a whole number of seconds from 1 to 2592000 (30 days)");
  }
  const config = loadConfig(process.env);
  const secret = config.AUTH_JWT_SECRET ?? loadOrCreateLocalSecrets(config.DATA_DIR).authJwtSecret;
  const token = await mintDevToken(secret, {
    sub: identifier("sub", values.sub!),
    orgId: identifier("org", values.org!),
    orgRole,
    projects,
    ttlSeconds: Number(values.ttl),
  });
  process.stdout.write(token + "\n");
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`npm run token: ${error.message} (see npm run token -- --help)\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
