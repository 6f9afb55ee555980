import { randomUUID } from "node:crypto";
import type { SecretSealer } from "../crypto/envelope";
import { conflict, notFound, permissionDenied, preconditionFailed } from "../errors";
import type { Logger } from "../logger";
import type { OktaAccess, OktaCredentials } from "../okta/access";
import { checkConnectionReport, type CheckResult } from "./check";
import { createHealthRecorder } from "../health/recorder";
import { firstCheckAt } from "../health/rules";
import type { CursorCodec } from "./cursor";
import type { Actor, AppConnection, AuditAction, AuditEvent, ConnectionRecord, HealthStatus, ProxyPolicy } from "./model";
import { defaultProxyPolicy, healthyAt, toAppConnection } from "./model";
import { readPage, type PageRequest } from "./paging";
import { provisioningOperations, type DesiredConnection, type ProvisionOptions } from "./provisioning";
import { isAllowed, readableProjects, type ConnectionAction } from "./permissions";
import { credentialsInput, type CreateConnectionInput, type UpdateConnectionInput } from "./schemas";
import { encryptionContext, hashOfCredentials, secretOf, type CredentialsHasher } from "./sealing";
import { StoreConflictError, type ConnectionStore } from "./store";
import { isoNow, isoTime } from "../iso-time";

export interface ServiceDeps {
  store: ConnectionStore;
  sealer: SecretSealer;
  /** Proves credentials against Okta (every method), for create, PATCH and validate. */
  okta: OktaAccess;
  cursors: CursorCodec;
  /** `credentialsHash`: an HMAC under the service's key (sealing.ts). */
  hashCredentials: CredentialsHasher;
  /** Receives one structured audit line per read (writes are audited in the store, atomically). */
  logger?: Logger;
  clock?: () => Date;
  newId?: () => string;
  /** HEALTH_CHECK_INTERVAL_S: when a connection's next scheduled check is due after a check (section 8). */
  healthIntervalSeconds?: number;
}

export const DEFAULT_HEALTH_INTERVAL_S = 86_400;

/** A page of a connection listing, optionally only connections of one health status (section 8). */
export type ListRequest = PageRequest & { health?: HealthStatus };

/** Who asks, and the request id that ties their audit events to the access log. */
export interface CallContext {
  actor: Actor;
  reqId: string;
}



/** Who the audit trail names: type and id, plus the SQS sender of a provisioning message. */
const auditActor = (actor: Actor): AuditEvent["actor"] =>
  actor.type === "provisioning" && actor.senderId ? { type: actor.type, id: actor.id, senderId: actor.senderId } : { type: actor.type, id: actor.id };

/**
 * The domain service: every rule of the contract that is not about HTTP. Checks run in the
 * contract's order: existence, permission, If-Match, instanceUrl guard, name availability, Okta,
 * then the store's own atomic conditions.
 */
export function createConnectionService(deps: ServiceDeps) {
  const { store, sealer, okta, cursors } = deps;
  const now = deps.clock ? () => isoTime(deps.clock!().getTime()) : isoNow;
  const newId = deps.newId ?? randomUUID;
  const hashOf = (owner: { orgId: string; id: string }, creds: OktaCredentials) => hashOfCredentials(deps.hashCredentials, owner, creds);
  const healthInterval = deps.healthIntervalSeconds ?? DEFAULT_HEALTH_INTERVAL_S;
  const health = createHealthRecorder({ store, intervalSeconds: healthInterval });

  const auditRead = (ctx: CallContext, action: string, fields: Record<string, unknown>) =>
    deps.logger?.info("audit", { action, actor: { type: ctx.actor.type, id: ctx.actor.id }, orgId: ctx.actor.orgId, reqId: ctx.reqId, ...fields });

  const demand = (actor: Actor, action: ConnectionAction, projectId: string | null) => {
    if (!isAllowed(actor, action, projectId)) throw permissionDenied();
  };

  async function load(ctx: CallContext, id: string, action: ConnectionAction): Promise<ConnectionRecord> {
    const record = await store.getById(ctx.actor.orgId, id);
    if (!record) throw notFound();
    demand(ctx.actor, action, record.projectId);
    return record;
  }

  function audit(ctx: CallContext, action: AuditAction, record: ConnectionRecord, credentialsUpdated?: boolean): AuditEvent {
    return {
      id: newId(),
      action,
      actor: auditActor(ctx.actor),
      connectionId: record.id,
      orgId: record.orgId,
      projectId: record.projectId,
      reqId: ctx.reqId,
      createdAt: now(),
      metadata: { name: record.name, app: "okta", ...(credentialsUpdated === undefined ? {} : { credentialsUpdated }) },
    };
  }

  /** Guard the URL, check the name is free, then (only then) spend the customer's Okta rate limit. */
  const checkCredentials = <C extends OktaCredentials>(creds: C, nameCheck?: () => Promise<void>) => okta.verifyNew(creds, nameCheck);

  /** A new connection's record, version 1: the one place a record is born (API and provisioning). */
  async function newRecord(
    scope: { orgId: string; projectId: string | null; name: string; description: string | null; proxy?: ProxyPolicy },
    creds: OktaCredentials,
  ): Promise<ConnectionRecord> {
    const at = now();
    const born = { ...scope, proxy: scope.proxy ?? defaultProxyPolicy(), id: newId(), version: 1, createdAt: at, updatedAt: at };
    return withCredentials(born, creds);
  }

  type Credentialed = "method" | "instanceUrl" | "serviceApp" | "credentialsHash" | "secret" | "health" | "nextCheckAt";
  /** `record` carrying checked credentials: its hash, the secret sealed to this very record, fresh health. */
  async function withCredentials<R extends Omit<ConnectionRecord, Credentialed>>(record: R, creds: OktaCredentials): Promise<R & Pick<ConnectionRecord, Credentialed>> {
    const { serviceApp: _previous, ...rest } = record as R & { serviceApp?: unknown };
    return {
      ...(rest as R),
      method: creds.method,
      instanceUrl: creds.instanceUrl,
      ...(creds.method === "client-credentials" ? { serviceApp: { clientId: creds.clientId, scopes: creds.scopes, keyId: creds.keyId } } : {}),
      credentialsHash: hashOf(record, creds),
      secret: await sealer.seal(secretOf(creds), encryptionContext(record)),
      // The credentials were proven against Okta a moment ago (section 8).
      health: healthyAt(record.updatedAt),
      nextCheckAt: firstCheckAt(record.updatedAt, healthInterval),
    };
  }

  const nameMustBeFree = (orgId: string, projectId: string | null, name: string) => async () => {
    if (await store.isNameTaken(orgId, projectId, name)) throw nameTaken(name);
  };
  const nameTaken = (name: string) => conflict(`An app connection named '${name}' already exists in this scope`);

  function storeConflict(error: unknown, ifMatch: number | undefined, name: string): unknown {
    if (!(error instanceof StoreConflictError)) return error;
    if (error.reason === "missing") return notFound();
    if (error.reason === "name-taken") return nameTaken(name);
    return ifMatch === undefined
      ? conflict("The connection was changed by another request; read it again and retry")
      : preconditionFailed("The connection was changed by someone else (version no longer matches)");
  }

  const checkIfMatch = (record: ConnectionRecord, ifMatch: number | undefined) => {
    if (ifMatch !== undefined && ifMatch !== record.version)
      throw preconditionFailed(`If-Match version ${ifMatch} does not match the current version ${record.version}`);
  };

  const bindingOf = (what: string, ctx: CallContext, scopes: unknown[]) =>
    JSON.stringify([what, ctx.actor.orgId, ctx.actor.type, ctx.actor.id, scopes]);

  async function listScopes(ctx: CallContext, what: string, scopes: (string | null | "*")[], page: ListRequest) {
    auditRead(ctx, `${what}-app-connections`, { scopes, ...(page.health ? { health: page.health } : {}) });
    const filter = page.health ? { health: page.health } : undefined;
    const result = await readPage({
      scopes,
      request: page,
      cursors,
      // A cursor continues the listing it came from: same scopes, same filter.
      binding: bindingOf(what, ctx, filter ? [...scopes, filter] : scopes),
      query: (scope, limit, key) => store.listScope(ctx.actor.orgId, scope, limit, key, filter),
    });
    return { items: result.items.map(toAppConnection), nextCursor: result.nextCursor };
  }

  const provisioning = provisioningOperations({
    store,
    now,
    audit,
    checkCredentials: (creds) => checkCredentials(creds),
    hashOf,
    newRecord,
    withCredentials,
  });

  return {
    /**
     * Provisioning: make the named connection what `desired` states (create, update what differs,
     * or nothing: no version bump, no audit entry). Same rules, encryption and audit as the API.
     */
    async upsertByName(ctx: CallContext, desired: DesiredConnection, opts?: ProvisionOptions) {
      demand(ctx.actor, "manage", desired.projectId);
      return provisioning.upsertByName(ctx, desired, opts);
    },

    /** Provisioning: delete by name; what is already gone is `unchanged`. */
    async removeByName(ctx: CallContext, target: { projectId: string | null; name: string }, opts?: ProvisionOptions) {
      demand(ctx.actor, "manage", target.projectId);
      return provisioning.removeByName(ctx, target, opts);
    },

    async create(ctx: CallContext, input: CreateConnectionInput): Promise<AppConnection> {
      const { orgId } = ctx.actor;
      const projectId = input.projectId ?? null;
      demand(ctx.actor, "manage", projectId);
      const creds = await checkCredentials(credentialsInput(input.method, input.credentials), nameMustBeFree(orgId, projectId, input.name));
      const scope = { orgId, projectId, name: input.name, description: input.description ?? null, proxy: input.proxy };
      const record = await newRecord(scope, creds);
      await store.create(record, audit(ctx, "create-app-connection", record)).catch((error) => {
        throw storeConflict(error, undefined, record.name);
      });
      return toAppConnection(record);
    },

    async get(ctx: CallContext, id: string): Promise<AppConnection> {
      const record = await load(ctx, id, "read");
      auditRead(ctx, "read-app-connection", { connectionId: id, projectId: record.projectId });
      return toAppConnection(record);
    },

    async getByName(ctx: CallContext, projectId: string | null, name: string): Promise<AppConnection> {
      demand(ctx.actor, "read", projectId);
      const record = await store.getByName(ctx.actor.orgId, projectId, name);
      if (!record) throw notFound();
      auditRead(ctx, "read-app-connection", { connectionId: record.id, projectId });
      return toAppConnection(record);
    },

    /** With a project: that project. Without: org-level plus every readable project (all, for org admins). */
    async list(ctx: CallContext, query: ListRequest & { projectId?: string }) {
      if (query.projectId !== undefined) {
        demand(ctx.actor, "read", query.projectId);
        return listScopes(ctx, "list", [query.projectId], query);
      }
      const readable = readableProjects(ctx.actor);
      return listScopes(ctx, "list", readable === "all" ? ["*"] : [null, ...readable], query);
    },

    /** Org-level connections plus those of `projectId`, as `{ app, id, name, projectId, orgId }`. */
    async available(ctx: CallContext, query: ListRequest & { projectId?: string }) {
      if (query.projectId !== undefined) demand(ctx.actor, "read", query.projectId);
      const scopes = query.projectId === undefined ? [null] : [null, query.projectId];
      const page = await listScopes(ctx, "available", scopes, query);
      const items = page.items.map(({ app, id, name, projectId, orgId }) => ({ app, id, name, projectId, orgId }));
      return { items, nextCursor: page.nextCursor };
    },

    async update(ctx: CallContext, id: string, patch: UpdateConnectionInput, ifMatch?: number): Promise<AppConnection> {
      const before = await load(ctx, id, "manage");
      checkIfMatch(before, ifMatch);
      const name = patch.name ?? before.name;
      const renamed = name !== before.name;
      const nameCheck = renamed ? nameMustBeFree(before.orgId, before.projectId, name) : undefined;
      let after: ConnectionRecord = {
        ...before,
        name,
        description: patch.description === undefined ? before.description : patch.description,
        proxy: patch.proxy ?? before.proxy,
        version: before.version + 1,
        updatedAt: now(),
      };
      if (patch.credentials) {
        after = await withCredentials(after, await checkCredentials(credentialsInput(before.method, patch.credentials), nameCheck));
      } else {
        await nameCheck?.();
      }
      const event = audit(ctx, "update-app-connection", after, patch.credentials !== undefined);
      await store.update(before, after, event).catch((error) => {
        throw storeConflict(error, ifMatch, name);
      });
      return toAppConnection(after);
    },

    async remove(ctx: CallContext, id: string, ifMatch?: number): Promise<AppConnection> {
      const record = await load(ctx, id, "manage");
      checkIfMatch(record, ifMatch);
      await store.remove(record, audit(ctx, "delete-app-connection", record)).catch((error) => {
        throw storeConflict(error, ifMatch, record.name);
      });
      return toAppConnection(record);
    },

    /**
     * Re-checks the stored credentials against Okta now and records the connection's health.
     * Okta's verdict is data (200), not an error.
     */
    async validate(ctx: CallContext, id: string): Promise<CheckResult> {
      const record = await load(ctx, id, "use");
      const report = await checkConnectionReport(okta, record, now);
      await health.record(record, report);
      return report.result;
    },

    async auditLog(ctx: CallContext, query: PageRequest & { projectId?: string }) {
      const projectId = query.projectId ?? null;
      demand(ctx.actor, "read-audit", projectId);
      const page = { ...query, limit: query.limit ?? 50 };
      return readPage({
        scopes: [projectId],
        request: page,
        cursors,
        binding: bindingOf("audit", ctx, [projectId]),
        query: (scope, limit, key) => store.listAudit(ctx.actor.orgId, scope, limit, key),
      });
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
