/**
 * What a connection's Pulumi state holds, and nothing more. Pulumi persists whatever `create`, `update`
 * and `read` return (`outs`), so the declared credentials (an Okta API token, a private key) are never
 * part of it: only the service's `credentialsHash`, the one this deploy last wrote, and a salted
 * fingerprint of the declared credentials, which is how `diff` sees that a declared credential changed.
 * `authToken` stays because `read` and `delete` receive only the state; it is a Pulumi secret there
 * (see index.ts: a secret input, and `additionalSecretOutputs`).
 */
import type { ApiConnection, ApiTarget } from "./api";

export type Method = "api-token" | "client-credentials";

/** The resource's inputs as the provider receives them (secrets already unwrapped by Pulumi). */
export interface ConnectionInputs extends ApiTarget {
  name: string;
  projectId?: string | null;
  description?: string | null;
  method: Method;
  /** Passed to the API as given: `{ instanceUrl, apiToken }` or `{ instanceUrl, clientId, scopes, privateKey }`. */
  credentials: Record<string, unknown>;
  proxy?: { allow: string[] } | null;
}

export interface ConnectionState extends ApiTarget {
  name: string;
  projectId: string | null;
  description: string | null;
  method: string;
  instanceUrl: string | null;
  proxy: { allow: string[] } | null;
  version: number;
  /** The service's hash of its stored credentials, as of the last write or refresh. */
  credentialsHash: string;
  /** The hash this deploy's last write produced: a refreshed `credentialsHash` that differs is drift. */
  deployedCredentialsHash: string;
  /** `sha256:<salt>:<hex>` of the declared credentials at the last write. */
  credentialsFingerprint: string;
  health: unknown;
}

/** The state for an API answer; `written` carries what only this deploy knows. */
export function stateOf(
  connection: ApiConnection,
  target: ApiTarget,
  written: Pick<ConnectionState, "deployedCredentialsHash" | "credentialsFingerprint">,
  declaredProxy?: ConnectionInputs["proxy"],
): ConnectionState {
  return {
    apiUrl: target.apiUrl,
    authToken: target.authToken,
    name: connection.name,
    projectId: connection.projectId ?? null,
    description: connection.description ?? null,
    method: connection.method,
    instanceUrl: connection.credentials?.instanceUrl ?? null,
    proxy: connection.proxy ?? declaredProxy ?? null,
    version: connection.version,
    credentialsHash: connection.credentialsHash,
    ...written,
    health: connection.health ?? null,
  };
}

/** A salted SHA-256 of the credentials (keys sorted): comparable later, useless for recovering them. */
export async function fingerprint(credentials: unknown, salt = hex(crypto.getRandomValues(new Uint8Array(16)))): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${salt}\n${canonicalJson(credentials)}`));
  return `sha256:${salt}:${hex(new Uint8Array(digest))}`;
}

/** Whether `credentials` are the ones `stored` (a `fingerprint`) was taken of. */
export async function sameCredentials(credentials: unknown, stored: string | undefined): Promise<boolean> {
  const salt = stored?.split(":")[1];
  return salt !== undefined && (await fingerprint(credentials, salt)) === stored;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
