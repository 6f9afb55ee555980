import type { DesiredConnection } from "../core/connections/provisioning";
import type { ConnectionService } from "../core/connections/service";
import { credentialsInput } from "../core/connections/schemas";
import { isDomainError, type ErrorCode } from "../core/errors";
import type { MessageOutcome, ProvisionMessage } from "./messages";

/**
 * Refusals that no retry can fix: recorded as `failed` and acknowledged. Anything else
 * (Okta down or throttling, the database or KMS unavailable, a bug) is thrown, so the queue
 * retries the message with backoff and, after its bounded tries, moves it to the DLQ.
 */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  "ValidationFailure",
  "InvalidCredentials",
  "InvalidInstanceUrl",
  "Conflict",
  "PreconditionFailed",
  "NotFound",
  "PermissionDenied",
]);

export const isPermanent = (error: unknown) => isDomainError(error) && PERMANENT.has(error.code);

/** The connection an upsert states; `method` defaults to `api-token`, and the credentials must be that method's. */
function desiredOf(message: Extract<ProvisionMessage, { type: "app-connection.upsert" }>): DesiredConnection {
  const method = message.method ?? "api-token";
  const credentials = message.credentials && credentialsInput(method, message.credentials);
  return { projectId: message.projectId ?? null, name: message.name, description: message.description ?? null, method, credentials, proxy: message.proxy };
}

/**
 * Applies one valid message through the domain service, as `{ type: "provisioning", id, senderId? }`
 * (`id`: the producer's `source` or the queue's name; `senderId`: the SQS sender's principal).
 */
export async function applyMessage(
  service: Pick<ConnectionService, "upsertByName" | "removeByName">,
  message: ProvisionMessage,
  actor: { id: string; senderId?: string },
): Promise<MessageOutcome> {
  const ctx = { actor: { type: "provisioning" as const, ...actor, orgId: message.orgId }, reqId: message.requestId };
  const projectId = message.projectId ?? null;
  const opts = { sentAt: message.sentAt };
  try {
    const result =
      message.type === "app-connection.upsert"
        ? await service.upsertByName(ctx, desiredOf(message), opts)
        : await service.removeByName(ctx, { projectId, name: message.name }, opts);
    const conn = result.appConnection;
    return {
      requestId: message.requestId,
      outcome: result.outcome,
      ...(conn ? { connectionId: conn.id, version: conn.version } : {}),
      ...(result.stale ? { stale: true as const } : {}),
    };
  } catch (error) {
    if (!isPermanent(error) || !isDomainError(error)) throw error;
    return { requestId: message.requestId, outcome: "failed", error: { error: error.code, message: error.message } };
  }
}
