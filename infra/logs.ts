import { logRetention } from "./config";

/** A function's log group, made here so its role can be scoped to it and its retention is set. */
const functionLogGroup = (name: string, suffix: string) =>
  new aws.cloudwatch.LogGroup(name, {
    name: `/aws/lambda/${$app.name}-${$app.stage}-${suffix}`,
    retentionInDays: logRetention.days,
  });

export const apiLogGroup = functionLogGroup("ApiFunctionLogs", "api");
export const provisionLogGroup = functionLogGroup("ProvisionFunctionLogs", "provision");
export const changeEventsLogGroup = functionLogGroup("ChangeEventsFunctionLogs", "change-events");
export const healthSweepLogGroup = functionLogGroup("HealthSweepFunctionLogs", "health-sweep");
export const healthCheckLogGroup = functionLogGroup("HealthCheckFunctionLogs", "health-check");
