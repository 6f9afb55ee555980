import type { SealedSecret } from "../crypto/envelope";

/** Who is acting. Users carry roles from their token; provisioning acts for an org with no roles. */
export type Actor =
  | {
      type: "user";
      id: string;
      orgId: string;
      orgRole: "admin" | "member";
      projects: Record<string, "admin" | "member" | "viewer">;
    }
  | { type: "provisioning"; id: string; orgId: string; senderId?: string };

/** How a connection authenticates to Okta (contract sections 1 and 9). */
export type ConnectionMethod = "api-token" | "client-credentials";

/** The non-secret half of an OAuth 2.0 service app's credentials (section 9). */
export interface ServiceAppFields {
  clientId: string;
  scopes: string[];
  /** The private JWK's `kid`, else null. */
  keyId: string | null;
}

/** Which proxied calls a connection allows (section 7): `"METHOD /path-pattern"` rules. */
export interface ProxyPolicy {
  allow: string[];
}

/** A new connection may only read through the proxy until an editor says otherwise. */
export const defaultProxyPolicy = (): ProxyPolicy => ({ allow: ["GET /api/v1/**"] });

export type HealthStatus = "healthy" | "unhealthy" | "unknown";

/** Section 8: what the last check of the connection's current credentials found. */
export interface ConnectionHealth {
  status: HealthStatus;
  checkedAt: string | null;
  lastHealthyAt: string | null;
  consecutiveFailures: number;
  error: { error: string; message: string } | null;
}

/** New credentials were just proven against Okta: healthy as of that moment. */
export const healthyAt = (at: string): ConnectionHealth => ({
  status: "healthy",
  checkedAt: at,
  lastHealthyAt: at,
  consecutiveFailures: 0,
  error: null,
});

/**
 * A stored connection. `secret` is the sealed credential (the API token, or the service app's
 * private key); it never leaves the domain layer. `serviceApp` is set for `client-credentials` only.
 */
export interface ConnectionRecord {
  id: string;
  orgId: string;
  projectId: string | null;
  name: string;
  description: string | null;
  method: ConnectionMethod;
  instanceUrl: string;
  serviceApp?: ServiceAppFields;
  proxy: ProxyPolicy;
  health: ConnectionHealth;
  version: number;
  createdAt: string;
  updatedAt: string;
  credentialsHash: string;
  secret: SealedSecret;
  /** When the scheduled health check is due (section 8); kept in the health due index, never returned. */
  nextCheckAt?: string;
}

/**
 * What a check of stored credentials reads of a connection (the health checks' batch reads): whose
 * it is, how it reaches Okta, its sealed secret and its health; not its name, policy or history.
 */
export type CheckedConnection = Pick<
  ConnectionRecord,
  "id" | "orgId" | "projectId" | "method" | "instanceUrl" | "serviceApp" | "secret" | "credentialsHash" | "health" | "createdAt" | "nextCheckAt"
>;

/** A connection as a list reads it: everything but its sealed secret, which no list answer needs. */
export type ListedConnection = Omit<ConnectionRecord, "secret">;

/** Records written before a field existed read as its default (method, proxy, health). */
export function withRecordDefaults<R extends ListedConnection>(stored: Omit<R, "method" | "proxy" | "health"> & Partial<ListedConnection>): R {
  return {
    ...stored,
    method: stored.method ?? "api-token",
    proxy: stored.proxy ?? defaultProxyPolicy(),
    health: stored.health ?? healthyAt(stored.createdAt),
  } as R;
}

/** A checked connection read from an item written before `method` or `health` existed: their defaults, as withRecordDefaults. */
export function withCheckedDefaults(stored: Omit<CheckedConnection, "method" | "health"> & Partial<CheckedConnection>): CheckedConnection {
  stored.method ??= "api-token";
  stored.health ??= healthyAt(stored.createdAt);
  return stored as CheckedConnection;
}

/** The public credentials of a method: never the token or the key. */
export type PublicCredentials = { instanceUrl: string } | ({ instanceUrl: string } & ServiceAppFields);

/** The public view: exactly the contract's fields; there is no place for the secret here. */
export interface AppConnection {
  id: string;
  name: string;
  description: string | null;
  projectId: string | null;
  orgId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  isPlatformManagedCredentials: false;
  credentialsHash: string;
  app: "okta";
  method: ConnectionMethod;
  credentials: PublicCredentials;
  proxy: ProxyPolicy;
  health: ConnectionHealth;
}

export const publicCredentials = (record: Pick<ConnectionRecord, "method" | "instanceUrl" | "serviceApp">): PublicCredentials =>
  record.method === "client-credentials" && record.serviceApp
    ? { instanceUrl: record.instanceUrl, clientId: record.serviceApp.clientId, scopes: [...record.serviceApp.scopes], keyId: record.serviceApp.keyId }
    : { instanceUrl: record.instanceUrl };

export const toAppConnection = (record: ListedConnection): AppConnection => ({
  id: record.id,
  name: record.name,
  description: record.description,
  projectId: record.projectId,
  orgId: record.orgId,
  version: record.version,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
  isPlatformManagedCredentials: false,
  credentialsHash: record.credentialsHash,
  app: "okta",
  method: record.method,
  credentials: publicCredentials(record),
  proxy: { allow: [...record.proxy.allow] },
  health: { ...record.health },
});

export type AuditAction = "create-app-connection" | "update-app-connection" | "delete-app-connection" | "use-app-connection";

export interface AuditEvent {
  id: string;
  action: AuditAction;
  /** `senderId`: provisioning only, the SQS `SenderId` of the message (the producer's AWS principal). */
  actor: { type: "user" | "provisioning"; id: string; senderId?: string };
  connectionId: string;
  orgId: string;
  projectId: string | null;
  reqId: string;
  createdAt: string;
  /**
   * `use-app-connection` (a proxied call other than GET) adds the call: method, path without query,
   * and Okta's status, or `error` (the service's code) when Okta gave no usable answer.
   */
  metadata: { name: string; app: "okta"; credentialsUpdated?: boolean; method?: string; path?: string; status?: number; error?: string };
}
