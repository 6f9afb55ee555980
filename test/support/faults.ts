import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";

/** Failures as the SDK sees them on the wire: throttling, an AWS 500, a timeout, a reset connection. */
export type FaultKind = "throttle" | "server-error" | "timeout" | "reset";

function faultError(kind: FaultKind): Error {
  const error = (name: string, message: string, extra: object) => Object.assign(new Error(message), { name }, extra);
  switch (kind) {
    case "throttle":
      return error("ThrottlingException", "Rate exceeded", { $metadata: { httpStatusCode: 400 }, $fault: "client", $retryable: { throttling: true } });
    case "server-error":
      return error("InternalServerError", "Internal server error", { $metadata: { httpStatusCode: 500 }, $fault: "server" });
    case "timeout":
      return error("TimeoutError", "Connection timed out", { code: "ETIMEDOUT", $metadata: {} });
    case "reset":
      return error("Error", "socket hang up", { code: "ECONNRESET", $metadata: {} });
  }
}

/**
 * An SDK middleware that fails chosen calls before they reach the engine, inside the SDK's retry
 * loop (so the client retries as it would in AWS). The code under test is not touched.
 */
export function installFaults(clients: { dynamodb: DynamoDBClient; kms: KMSClient }) {
  let plan: { command: string; kind: FaultKind; skip: number } | null = null;
  let lost: { command: string; times: number } | null = null;
  let seen = 0;
  for (const [service, client] of Object.entries(clients)) {
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        if (plan && context.commandName === plan.command && seen++ >= plan.skip) throw faultError(plan.kind);
        const result = await next(args);
        if (lost && context.commandName === lost.command && lost.times-- > 0) throw faultError("reset");
        return result;
      },
      { step: "deserialize", name: `inject-faults-${service}` },
    );
  }
  return {
    /** Fail every call of `command` after the first `skip` ones, until `clear()`. */
    arm(command: string, kind: FaultKind, skip = 0) {
      plan = { command, kind, skip };
      seen = 0;
    },
    /** Let the next `times` calls of `command` reach the engine, then lose their answers. */
    loseResponses(command: string, times = 1) {
      lost = { command, times };
    },
    clear() {
      plan = null;
      lost = null;
    },
  };
}
