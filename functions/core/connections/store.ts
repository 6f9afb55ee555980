import type { AuditEvent, ConnectionRecord } from "./model";

/** Where to continue a query; opaque to the domain (the cursor codec signs it). */
export type StoreKey = Record<string, string>;

export interface StorePage<T> {
  items: T[];
  lastKey?: StoreKey;
}

/** Why an atomic write was refused by the store's own conditions. */
export type StoreConflictReason = "name-taken" | "version-mismatch" | "missing";

export class StoreConflictError extends Error {
  constructor(readonly reason: StoreConflictReason) {
    super(`store refused the write: ${reason}`);
  }
}

/**
 * The persistence port. Every write is atomic with its name lock and its audit event, so a
 * change without its audit event, or a name without its connection, cannot exist.
 */
export interface ConnectionStore {
  getById(orgId: string, id: string): Promise<ConnectionRecord | null>;
  getByName(orgId: string, projectId: string | null, name: string): Promise<ConnectionRecord | null>;
  isNameTaken(orgId: string, projectId: string | null, name: string): Promise<boolean>;
  create(record: ConnectionRecord, audit: AuditEvent): Promise<void>;
  /** Replaces `before` by `after` if `before.version` is still current; moves the name lock on rename. */
  update(before: ConnectionRecord, after: ConnectionRecord, audit: AuditEvent): Promise<void>;
  remove(record: ConnectionRecord, audit: AuditEvent): Promise<void>;
  /** One page of one scope: a project id, `null` for org-level, `"*"` for the whole org. */
  listScope(orgId: string, scope: string | null | "*", limit: number, startKey?: StoreKey): Promise<StorePage<ConnectionRecord>>;
  listAudit(orgId: string, projectId: string | null, limit: number, startKey?: StoreKey): Promise<StorePage<AuditEvent>>;
}
