import { TABLE_SCHEMA } from "../functions/core/storage/keys";
import { isProduction } from "./config";

/**
 * The single table, shaped by the code's own key design (`TABLE_SCHEMA`) so the two cannot drift.
 * On-demand billing and point-in-time recovery everywhere; deletion protection on production.
 * The stream (new and old images) feeds change events (both images: `credentialsUpdated` compares
 * them). TTL is on the code's `ttlAttribute`: provisioning watermarks expire about 15 days after
 * their last write (SQS keeps a message 14 days, plus a day of producer clock skew).
 */
const keyAttributes = [
  TABLE_SCHEMA.partitionKey,
  TABLE_SCHEMA.sortKey,
  ...TABLE_SCHEMA.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];

const projection = (type: string) => {
  if (type === "ALL") return "all" as const;
  if (type === "KEYS_ONLY") return "keys-only" as const;
  throw new Error(`Unsupported index projection ${type}`);
};

/** On-demand billing and point-in-time recovery for every table: SST's defaults today, stated so a change of default cannot weaken a table. */
export const onDemandWithRecovery = {
  table: (args: aws.dynamodb.TableArgs): undefined => {
    args.billingMode = "PAY_PER_REQUEST";
    args.pointInTimeRecovery = { enabled: true };
  },
};

export const table = new sst.aws.Dynamo("Connections", {
  fields: Object.fromEntries(keyAttributes.map((name) => [name, "string" as const])),
  primaryIndex: { hashKey: TABLE_SCHEMA.partitionKey, rangeKey: TABLE_SCHEMA.sortKey },
  globalIndexes: Object.fromEntries(
    TABLE_SCHEMA.indexes.map((index) => [
      index.name,
      { hashKey: index.partitionKey, rangeKey: index.sortKey, projection: projection(index.projection) },
    ]),
  ),
  stream: "new-and-old-images",
  ttl: TABLE_SCHEMA.ttlAttribute,
  deletionProtection: isProduction,
  transform: onDemandWithRecovery,
});
