import { IDEMPOTENCY_TABLE_SCHEMA } from "../functions/provision/idempotency";
import { isProduction } from "./config";
import { onDemandWithRecovery } from "./table";

/**
 * Powertools idempotency records of the intake (one per requestId, 14 days), on a table of their
 * own so their writes stay out of the connections table's stream. No stream; no secret in them.
 */
export const idempotencyTable = new sst.aws.Dynamo("Idempotency", {
  fields: { [IDEMPOTENCY_TABLE_SCHEMA.partitionKey]: "string" },
  primaryIndex: { hashKey: IDEMPOTENCY_TABLE_SCHEMA.partitionKey },
  ttl: IDEMPOTENCY_TABLE_SCHEMA.ttlAttribute,
  deletionProtection: isProduction,
  transform: onDemandWithRecovery,
});
