import { logRetention } from "./config";

/** The API function's log group, made here so the role can be scoped to it and its retention is set. */
export const apiLogGroup = new aws.cloudwatch.LogGroup("ApiFunctionLogs", {
  name: `/aws/lambda/${$app.name}-${$app.stage}-api`,
  retentionInDays: logRetention.days,
});
