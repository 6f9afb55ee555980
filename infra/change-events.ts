import { CHANGE_EVENT_FILTERS } from "../functions/events/stream-filters";
import { bus } from "./bus";
import { EVENTS_BUNDLE, lambdaCode } from "./bundle";
import { changeEventsLogGroup } from "./logs";
import { changeEventsPolicy } from "./permissions";
import { CHANGE_EVENTS_FUNCTION, changeEvents } from "./provisioning-spec";
import { changeEventFailures } from "./queues";
import { changeEventsRole } from "./roles";
import { table } from "./table";

/** Table changes → `app-connection.created/.updated/.deleted` on the bus (functions/events/lambda.ts). */
export const changeEventsFunction = new sst.aws.Function(
  CHANGE_EVENTS_FUNCTION,
  {
    description: "Okta App Connections change events (DynamoDB stream)",
    ...lambdaCode(EVENTS_BUNDLE),
    memory: changeEvents.memory,
    timeout: `${changeEvents.timeoutSeconds} seconds`,
    role: changeEventsRole.arn,
    logging: { logGroup: changeEventsLogGroup.name },
    environment: { EVENT_BUS_NAME: bus.name },
  },
  { dependsOn: [changeEventsPolicy] },
);

/**
 * Only the records that make events reach Lambda: a connection's create or update, and a delete's
 * audit item (it carries the delete's time and version); locks, other audit entries, watermarks
 * and the connection item's own removal are filtered out before Lambda. Health-only writes of connections pass:
 * the handler turns a status change into `app-connection.health-changed` and makes no `app-connection.updated`.
 */
const eventRecords = CHANGE_EVENT_FILTERS as unknown as Record<string, any>[];

/**
 * SST's mapping retries a failing batch until its records expire from the stream (24 h), blocking
 * the shard: here retries are bounded, a failing batch is split to isolate the bad record, the
 * handler reports the first record it could not publish, and what still fails is parked in
 * `ChangeEventFailures` (with an alarm) instead of being dropped.
 */
export const changeEventsSubscription = table.subscribe("ChangeEvents", changeEventsFunction.arn, {
  filters: eventRecords,
  transform: {
    eventSourceMapping: (args) => {
      args.startingPosition = "LATEST";
      args.batchSize = changeEvents.batchSize;
      args.parallelizationFactor = changeEvents.parallelizationFactor;
      args.functionResponseTypes = ["ReportBatchItemFailures"];
      args.maximumRetryAttempts = changeEvents.maximumRetryAttempts;
      args.bisectBatchOnFunctionError = true;
      args.maximumRecordAgeInSeconds = changeEvents.maximumRecordAgeSeconds;
      args.destinationConfig = { onFailure: { destinationArn: changeEventFailures.arn } };
    },
  },
});
