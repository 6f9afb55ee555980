import { randomUUID } from "node:crypto";
import type { CallContext } from "../connections/service";
import type { AuditEvent, ConnectionRecord } from "../connections/model";
import { isAllowed } from "../connections/permissions";
import type { ConnectionStore } from "../connections/store";
import { isDomainError, notFound, permissionDenied, upstreamResponseTooLarge, upstreamUnavailable, type DomainError } from "../errors";
import { describeError, type Logger } from "../logger";
import type { OktaAccess } from "../okta/access";
import { sendToOkta, type OktaAnswer } from "../okta/transport";
import { answerHeaders, requestHeaders } from "./headers";
import type { OktaTarget } from "./path";
import type { ProxyMethod } from "./policy";
import { policyAllows } from "./policy-match";
import { isoTime } from "../iso-time";

/** The contract's cap on an Okta answer (section 7). */
export const MAX_PROXIED_ANSWER_BYTES = 5 * 1024 * 1024;

/** One call through a connection; `target` was judged by `checkProxyTarget`, `body` is JSON text. */
export interface ProxyCall {
  connectionId: string;
  method: ProxyMethod;
  target: OktaTarget;
  body?: string;
  /** Where the caller reaches this connection's proxy route (`{origin}/.../proxy`): `link` URLs point there. */
  proxyBase: string;
}

/** Okta's answer as it came: status, body, and only the allowed headers. */
export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface OktaProxy {
  call(ctx: CallContext, call: ProxyCall): Promise<ProxiedAnswer>;
}

export interface ProxyDeps {
  store: Pick<ConnectionStore, "getById" | "appendAudit">;
  okta: Pick<OktaAccess, "authorize">;
  timeoutMs?: number;
  maxBytes?: number;
  logger?: Logger;
  clock?: () => Date;
  newId?: () => string;
}

/**
 * The Okta API proxy (contract section 7): one DynamoDB read, the `use` permission, the
 * connection's policy, then exactly one request to Okta with the connection's credentials (the
 * access port guards and pins the address each time and keeps the decrypted secret warm).
 */
export function createOktaProxy(deps: ProxyDeps): OktaProxy {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const maxBytes = deps.maxBytes ?? MAX_PROXIED_ANSWER_BYTES;
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  async function load(ctx: CallContext, call: ProxyCall): Promise<ConnectionRecord> {
    const record = await deps.store.getById(ctx.actor.orgId, call.connectionId);
    if (!record) throw notFound();
    if (!isAllowed(ctx.actor, "use", record.projectId)) throw permissionDenied();
    if (!policyAllows(record.proxy, call.method, call.target.path)) {
      throw permissionDenied(`The connection's proxy policy does not allow ${call.method} ${call.target.path}`);
    }
    return record;
  }

  /** Why an answer of Okta cannot be passed on (a redirect, too large, not HTTP), if it cannot. */
  function refusalOf(answer: OktaAnswer): DomainError | undefined {
    if (answer.tooLarge) return upstreamResponseTooLarge(`Okta's answer is larger than ${maxBytes / (1024 * 1024)} MiB`);
    if (answer.status >= 300 && answer.status < 400) {
      return upstreamUnavailable(`Okta answered with a redirect (${answer.status}), which the proxy does not follow`);
    }
    if (answer.status < 200 || answer.status > 599) return upstreamUnavailable(`Okta answered with status ${answer.status}, which is not an HTTP answer`);
    return undefined;
  }

  /** A call other than GET may have changed something at Okta: it is audited whatever came back. */
  function auditEvent(ctx: CallContext, record: ConnectionRecord, call: ProxyCall, outcome: Outcome): AuditEvent {
    return {
      id: newId(),
      action: "use-app-connection",
      actor: { type: ctx.actor.type, id: ctx.actor.id },
      connectionId: record.id,
      orgId: record.orgId,
      projectId: record.projectId,
      reqId: ctx.reqId,
      createdAt: isoTime(clock().getTime()),
      metadata: { name: record.name, app: "okta", method: call.method, path: call.target.path, ...outcome },
    };
  }

  /** The log line of every call that left for Okta, and the audit event of those other than GET. */
  async function record(ctx: CallContext, conn: ConnectionRecord, call: ProxyCall, outcome: Outcome, started: number) {
    deps.logger?.info("proxy", {
      reqId: ctx.reqId,
      actor: { type: ctx.actor.type, id: ctx.actor.id },
      orgId: conn.orgId,
      connectionId: conn.id,
      method: call.method,
      path: call.target.path, // never the query: its values may be personal data
      ...outcome,
      ms: Math.round(performance.now() - started),
    });
    if (call.method === "GET") return;
    // Okta may have acted by now, so the caller still gets the answer if the audit write fails; that failure is logged.
    await deps.store.appendAudit(auditEvent(ctx, conn, call, outcome)).catch((failure: unknown) =>
      deps.logger?.error("audit write failed for a proxied call", { reqId: ctx.reqId, connectionId: conn.id, ...describeError(failure) }),
    );
  }

  return {
    async call(ctx, call) {
      const conn = await load(ctx, call);
      const { path, query } = call.target;
      const pathAndQuery = query === "" ? path : `${path}?${query}`;
      const authorized = await deps.okta.authorize(conn, { method: call.method, path: pathAndQuery });
      const request = { method: call.method, path: pathAndQuery, headers: requestHeaders(authorized.headers, call.body !== undefined), body: call.body };
      const started = performance.now();
      let answer: OktaAnswer;
      try {
        answer = await sendToOkta(authorized.target, request, { timeoutMs, maxBytes });
      } catch (error) {
        await record(ctx, conn, call, { error: isDomainError(error) ? error.code : "InternalServerError" }, started);
        throw error;
      }
      const refusal = refusalOf(answer);
      await record(ctx, conn, call, { status: answer.status, ...(refusal ? { error: refusal.code } : {}) }, started);
      if (refusal) throw refusal;
      return { status: answer.status, headers: answerHeaders(answer.headers, { instanceUrl: conn.instanceUrl, proxyBase: call.proxyBase }), body: answer.body };
    },
  };
}

/** Okta's status when it answered, and the service's error code when the caller did not get that answer. */
type Outcome = { status?: number; error?: string };
