import type { AuditEvent, CheckedConnection, ConnectionHealth, ConnectionRecord, HealthStatus, ListedConnection } from "./model";

/** Where to continue a query; opaque to the domain (the cursor codec signs it). */
export type StoreKey = Record<string, string>;

export interface StorePage<T> {
  items: T[];
  lastKey?: StoreKey;
}

/**
 * Why an atomic write was refused by the store's own conditions. `stale`: a provisioning write
 * whose `sentAt` is not newer than the last one applied to that name.
 */
export type StoreConflictReason = "name-taken" | "version-mismatch" | "missing" | "stale";

export class StoreConflictError extends Error {
  constructor(readonly reason: StoreConflictReason) {
    super(`store refused the write: ${reason}`);
  }
}

/**
 * The ordering guard of a provisioning write: stored per (org, scope, name) in the same atomic
 * write as the change, and refused (`stale`) unless `sentAt` is newer than the stored one.
 */
export interface ProvisioningMark {
  /** Producer's send time, epoch milliseconds. */
  sentAt: number;
  /** When the mark may be forgotten, epoch seconds (the table's TTL). */
  expiresAt: number;
}

/** The outcome of one health check, for the connection's credentials of `credentialsHash` only. */
export interface HealthWrite {
  orgId: string;
  id: string;
  credentialsHash: string;
  health: ConnectionHealth;
  nextCheckAt: string;
}

/** A connection whose health check is due (read from the due index: keys only). */
export interface DueConnection {
  orgId: string;
  id: string;
  nextCheckAt: string;
}

/** Optional narrowing of a listing (applied by the store, so pages stay bounded and cursors right). */
export interface ListFilter {
  health?: HealthStatus;
}

/**
 * The persistence port. Every write is atomic with its name lock and its audit event, so a
 * change without its audit event, or a name without its connection, cannot exist.
 */
export interface ConnectionStore {
  getById(orgId: string, id: string): Promise<ConnectionRecord | null>;
  /** Strongly consistent reads of what a check needs of many connections (the health checks' batches), in the order asked; `null`: gone. */
  getManyById(ids: { orgId: string; id: string }[]): Promise<(CheckedConnection | null)[]>;
  getByName(orgId: string, projectId: string | null, name: string): Promise<ConnectionRecord | null>;
  isNameTaken(orgId: string, projectId: string | null, name: string): Promise<boolean>;
  /** The id holding a name, read from its lock (strongly consistent, unlike the name index). */
  idOfName(orgId: string, projectId: string | null, name: string): Promise<string | null>;
  /** `mark`, when given, is written in the same transaction (provisioning with `sentAt`). */
  create(record: ConnectionRecord, audit: AuditEvent, mark?: ProvisioningMark): Promise<void>;
  /** Replaces `before` by `after` if `before.version` is still current; moves the name lock on rename. */
  update(before: ConnectionRecord, after: ConnectionRecord, audit: AuditEvent, mark?: ProvisioningMark): Promise<void>;
  remove(record: ConnectionRecord, audit: AuditEvent, mark?: ProvisioningMark): Promise<void>;
  /** The last applied provisioning `sentAt` (epoch ms) of a name, if any. */
  getProvisioningMark(orgId: string, projectId: string | null, name: string): Promise<number | null>;
  /** Advances the mark alone (a provisioning message that changed nothing); `stale` if not newer. */
  putProvisioningMark(orgId: string, projectId: string | null, name: string, mark: ProvisioningMark): Promise<void>;
  /** One page of one scope: a project id, `null` for org-level, `"*"` for the whole org. */
  listScope(orgId: string, scope: string | null | "*", limit: number, startKey?: StoreKey, filter?: ListFilter): Promise<StorePage<ListedConnection>>;
  /**
   * Records a health check's outcome: health attributes and the due index only (never `version`,
   * `updatedAt` or `credentialsHash`), and only while the connection exists with the credentials
   * that were checked; otherwise `superseded` (newer credentials carry their own health).
   */
  recordHealth(write: HealthWrite): Promise<"recorded" | "superseded">;
  /** One page of the due index's partition `shard`: connections due before `before` (ISO-8601), earliest first. */
  listDue(shard: number, before: string, limit: number, startKey?: StoreKey): Promise<StorePage<DueConnection>>;
  /** One audit event on its own (a proxied call: it changes no connection, so no transaction). */
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(orgId: string, projectId: string | null, limit: number, startKey?: StoreKey): Promise<StorePage<AuditEvent>>;
}
