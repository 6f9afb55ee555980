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

/** A stored connection. `secret` is the sealed API token; it never leaves the domain layer. */
export interface ConnectionRecord {
  id: string;
  orgId: string;
  projectId: string | null;
  name: string;
  description: string | null;
  instanceUrl: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  credentialsHash: string;
  secret: SealedSecret;
}

/** The public view: exactly the contract's fields; there is no place for the token here. */
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
  method: "api-token";
  credentials: { instanceUrl: string };
}

export const toAppConnection = (record: ConnectionRecord): AppConnection => ({
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
  method: "api-token",
  credentials: { instanceUrl: record.instanceUrl },
});

export type AuditAction = "create-app-connection" | "update-app-connection" | "delete-app-connection";

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
  metadata: { name: string; app: "okta"; credentialsUpdated?: boolean };
}
