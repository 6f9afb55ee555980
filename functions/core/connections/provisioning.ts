import { serviceUnavailable, validationFailure } from "../errors";
import type { AppConnection, AuditAction, AuditEvent, ConnectionMethod, ConnectionRecord, ProxyPolicy } from "./model";
import { toAppConnection } from "./model";
import type { OktaCredentials } from "../okta/access";
import type { CallContext } from "./service";
import { StoreConflictError, type ConnectionStore, type ProvisioningMark } from "./store";

/** What a provisioning message says a connection should be: the whole of it, by name. */
export interface DesiredConnection {
  projectId: string | null;
  name: string;
  /** `null` (or omitted by the message) means no description. */
  description: string | null;
  /** How it authenticates to Okta; an existing connection's method never changes. Omitted: `api-token`. */
  method?: ConnectionMethod;
  /** Omitted: keep the stored credentials (required to create). */
  credentials?: OktaCredentials;
  /** Omitted: the default policy on create, the stored one on update. */
  proxy?: ProxyPolicy;
}

export interface ProvisionOptions {
  /** The producer's send time (ISO-8601). With it, an older message than the last applied one is stale. */
  sentAt?: string;
}

export type UpsertOutcome = "created" | "updated" | "unchanged";
export type RemoveOutcome = "deleted" | "unchanged";
export interface ProvisionResult<T> {
  outcome: T;
  /** The connection after the change (before it, for a delete); absent when nothing exists. */
  appConnection?: AppConnection;
  /** True when the message was older than the last applied one for this name. */
  stale?: boolean;
}

/**
 * SQS keeps a message at most 14 days, so a watermark only has to outlive that; one more day
 * absorbs producer clock skew.
 */
export const PROVISIONING_MARK_TTL_SECONDS = 15 * 24 * 3600;
/** Races on one name (a concurrent create, a version bump) are settled by reading again. */
const MAX_ATTEMPTS = 6;

/** The service's own rules that provisioning reuses, so a queue and the API cannot disagree. */
export interface ProvisioningRules {
  store: ConnectionStore;
  now(): string;
  audit(ctx: CallContext, action: AuditAction, record: ConnectionRecord, credentialsUpdated?: boolean): AuditEvent;
  /** URL guard then Okta; returns the normalized credentials. */
  checkCredentials(creds: OktaCredentials): Promise<OktaCredentials>;
  /** `credentialsHash` of these credentials for that connection. */
  hashOf(owner: { orgId: string; id: string }, creds: OktaCredentials): string;
  /** A new record (version 1) with the credentials hashed and sealed to it. */
  newRecord(scope: Scope & { description: string | null; proxy?: ProxyPolicy }, creds: OktaCredentials): Promise<ConnectionRecord>;
  /** The record with new credentials hashed and sealed to it. */
  withCredentials(record: ConnectionRecord, creds: OktaCredentials): Promise<ConnectionRecord>;
}

type Scope = { orgId: string; projectId: string | null; name: string };

/**
 * Upsert and delete by name, for the queue consumer. Each runs read → decide → one atomic write,
 * and reads again when the write lost a race; the watermark (when `sentAt` is given) is part of
 * that same write, so the ordering holds under concurrency too.
 */
export function provisioningOperations(rules: ProvisioningRules) {
  const { store } = rules;

  function markOf(sentAt: string | undefined): ProvisioningMark | undefined {
    if (sentAt === undefined) return undefined;
    const at = Date.parse(sentAt);
    if (Number.isNaN(at)) throw validationFailure("sentAt must be an ISO-8601 date-time");
    return { sentAt: at, expiresAt: Math.floor(Date.parse(rules.now()) / 1000) + PROVISIONING_MARK_TTL_SECONDS };
  }

  async function isStale(scope: Scope, mark: ProvisioningMark | undefined) {
    if (!mark) return false;
    const last = await store.getProvisioningMark(scope.orgId, scope.projectId, scope.name);
    return last !== null && last >= mark.sentAt;
  }

  async function current(scope: Scope): Promise<ConnectionRecord | null> {
    const id = await store.idOfName(scope.orgId, scope.projectId, scope.name);
    return id === null ? null : store.getById(scope.orgId, id);
  }

  /** Nothing to change: still advance the watermark, so an older message cannot apply later. */
  async function noChange<T>(scope: Scope, mark: ProvisioningMark | undefined, record: ConnectionRecord | null): Promise<ProvisionResult<T>> {
    if (mark) await store.putProvisioningMark(scope.orgId, scope.projectId, scope.name, mark);
    return { outcome: "unchanged" as T, ...(record ? { appConnection: toAppConnection(record) } : {}) };
  }

  async function create(ctx: CallContext, scope: Scope, desired: DesiredConnection, mark?: ProvisioningMark) {
    if (!desired.credentials) throw validationFailure("credentials are required to create a connection");
    const creds = await rules.checkCredentials(desired.credentials);
    const record = await rules.newRecord({ ...scope, description: desired.description, proxy: desired.proxy }, creds);
    await store.create(record, rules.audit(ctx, "create-app-connection", record), mark);
    return { outcome: "created" as const, appConnection: toAppConnection(record) };
  }

  async function update(ctx: CallContext, before: ConnectionRecord, desired: DesiredConnection, mark?: ProvisioningMark) {
    const method = desired.method ?? "api-token";
    if (method !== before.method) {
      throw validationFailure(`method: the connection '${before.name}' uses ${before.method}; a connection's method never changes (the message says ${method})`);
    }
    // Compared by hash, so equal credentials need neither KMS nor Okta.
    const credsChanged =
      desired.credentials !== undefined && rules.hashOf(before, desired.credentials) !== before.credentialsHash;
    const proxy = desired.proxy ?? before.proxy;
    const proxyChanged = JSON.stringify(proxy.allow) !== JSON.stringify(before.proxy.allow);
    if (!credsChanged && !proxyChanged && desired.description === before.description) return noChange<UpsertOutcome>(before, mark, before);
    let after: ConnectionRecord = { ...before, description: desired.description, proxy, version: before.version + 1, updatedAt: rules.now() };
    if (credsChanged) after = await rules.withCredentials(after, await rules.checkCredentials(desired.credentials!));
    await store.update(before, after, rules.audit(ctx, "update-app-connection", after, credsChanged), mark);
    return { outcome: "updated" as const, appConnection: toAppConnection(after) };
  }

  /** Runs `attempt` until it is not beaten by a concurrent write; a stale mark ends it as unchanged. */
  async function settle<T>(scope: Scope, mark: ProvisioningMark | undefined, attempt: () => Promise<ProvisionResult<T>>) {
    for (let tries = 0; tries < MAX_ATTEMPTS; tries++) {
      if (await isStale(scope, mark)) return { outcome: "unchanged" as T, stale: true };
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        if (error.reason === "stale") return { outcome: "unchanged" as T, stale: true };
      }
    }
    throw serviceUnavailable(`The connection '${scope.name}' kept changing during provisioning; try again`);
  }

  return {
    async upsertByName(ctx: CallContext, desired: DesiredConnection, opts: ProvisionOptions = {}): Promise<ProvisionResult<UpsertOutcome>> {
      const scope = { orgId: ctx.actor.orgId, projectId: desired.projectId, name: desired.name };
      const mark = markOf(opts.sentAt);
      return settle<UpsertOutcome>(scope, mark, async () => {
        const before = await current(scope);
        return before ? update(ctx, before, desired, mark) : create(ctx, scope, desired, mark);
      });
    },

    async removeByName(ctx: CallContext, target: { projectId: string | null; name: string }, opts: ProvisionOptions = {}): Promise<ProvisionResult<RemoveOutcome>> {
      const scope = { orgId: ctx.actor.orgId, ...target };
      const mark = markOf(opts.sentAt);
      return settle<RemoveOutcome>(scope, mark, async () => {
        const record = await current(scope);
        if (!record) return noChange<RemoveOutcome>(scope, mark, null);
        await store.remove(record, rules.audit(ctx, "delete-app-connection", record), mark);
        return { outcome: "deleted" as const, appConnection: toAppConnection(record) };
      });
    },
  };
}
