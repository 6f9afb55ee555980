import { TABLE_SCHEMA } from "../functions/core/storage/keys";

/** The single table, shaped by the code's own key design so the two cannot drift. */
const fields = Object.fromEntries(
  [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, ...TABLE_SCHEMA.indexes.flatMap((i) => [i.partitionKey, i.sortKey])].map((name) => [name, "string" as const]),
);

export const table = new sst.aws.Dynamo("Connections", {
  fields,
  primaryIndex: { hashKey: TABLE_SCHEMA.partitionKey, rangeKey: TABLE_SCHEMA.sortKey },
  globalIndexes: Object.fromEntries(TABLE_SCHEMA.indexes.map((i) => [i.name, { hashKey: i.partitionKey, rangeKey: i.sortKey }])),
  stream: "new-and-old-images",
  transform: {
    table: (args) => {
      args.billingMode = "PAY_PER_REQUEST";
      args.pointInTimeRecovery = { enabled: true };
      args.deletionProtectionEnabled = $app.stage === "production";
    },
  },
});
