import * as z from "zod/mini";
import {
  anyCredentialsSchema,
  connectionNameSchema,
  descriptionSchema,
  ID_PATTERN,
  idSchema,
  projectIdSchema,
} from "../core/connections/schemas";
import { parseExplained } from "../core/validation";
import { proxyPolicySchema } from "../core/proxy/policy";

/**
 * A provisioning message, version 1. Field rules are the API's own (names, description,
 * instanceUrl, token shape), so a queue cannot store what the API would refuse.
 *
 * @example
 * { "specVersion": 1, "requestId": "b6f0...", "type": "app-connection.upsert", "orgId": "acme",
 *   "projectId": "web", "name": "okta-prod", "credentials": { "instanceUrl": "https://acme.okta.com",
 *   "apiToken": "00..." }, "source": "terraform", "sentAt": "2026-01-01T00:00:00Z" }
 */
const common = {
  specVersion: z.literal(1),
  requestId: idSchema("requestId"),
  orgId: idSchema("orgId"),
  projectId: z.optional(projectIdSchema),
  name: connectionNameSchema,
  /** The producer, named in the audit trail (`actor.id`). */
  source: z.optional(idSchema("source")),
  /** With it, a message older than the last one applied to the same name changes nothing. */
  sentAt: z.optional(z.iso.datetime({ offset: true, message: "sentAt must be an ISO-8601 date-time" })),
};

export const upsertMessageSchema = z.strictObject({
  ...common,
  type: z.literal("app-connection.upsert"),
  description: z.optional(descriptionSchema),
  /** Omitted: `api-token` (messages written before section 9). A connection's method never changes. */
  method: z.optional(z.enum(["api-token", "client-credentials"], "method must be api-token or client-credentials")),
  credentials: z.optional(anyCredentialsSchema),
  /** The proxy policy (section 7); omitted: the default on create, the stored one on update. */
  proxy: z.optional(proxyPolicySchema),
});

export const deleteMessageSchema = z.strictObject({ ...common, type: z.literal("app-connection.delete") });

export const provisionMessageSchema = z.discriminatedUnion("type", [upsertMessageSchema, deleteMessageSchema]);
export type ProvisionMessage = z.output<typeof provisionMessageSchema>;

export type Outcome = "created" | "updated" | "unchanged" | "deleted" | "duplicate" | "failed";

/** What happened to one message: what the CLI prints and `provisioning.*` events carry. Never a secret. */
export interface MessageOutcome {
  /** `null` when the body is not JSON or carries no usable requestId. */
  requestId: string | null;
  outcome: Outcome;
  error?: { error: string; message: string };
  connectionId?: string;
  version?: number;
  /** Set when a message older than the last applied one was ignored. */
  stale?: true;
  /** For `duplicate`: the outcome recorded the first time. */
  original?: Outcome;
}

/** A body that is not JSON. */
export const NOT_JSON: unique symbol = Symbol("not JSON");

/** The JSON of a raw body, or NOT_JSON. */
export function readBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return NOT_JSON;
  }
}

/** Parses a raw body: JSON, then the schema (async: a private key is checked too). Fails with the reason, never echoing values (tokens, keys). */
export function parseMessage(body: string) {
  return parseMessageJson(readBody(body));
}

/** {@link parseMessage} of a body already read with {@link readBody}. */
export async function parseMessageJson(
  json: unknown,
): Promise<{ ok: true; message: ProvisionMessage } | { ok: false; requestId: string | null; orgId: string | null; reason: string }> {
  if (json === NOT_JSON) return { ok: false, requestId: null, orgId: null, reason: "the message body is not JSON" };
  const parsed = await parseExplained(provisionMessageSchema, json, { whole: "the message" });
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, requestId: idOf(json, "requestId"), orgId: idOf(json, "orgId"), reason: parsed.message };
}

/** A field of a body that failed the schema, when it is a well-formed identifier. */
function idOf(json: unknown, field: "requestId" | "orgId"): string | null {
  const id = typeof json === "object" && json !== null ? (json as Record<string, unknown>)[field] : undefined;
  return typeof id === "string" && ID_PATTERN.test(id) ? id : null;
}
