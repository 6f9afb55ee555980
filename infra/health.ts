import { healthSettings } from "./config";
import { alarmTopic, queueDepthAlarm } from "./alarms";
import { HEALTH_BUNDLE, lambdaCode } from "./bundle";
import { HEALTH_CHECK_FUNCTION, HEALTH_SWEEP_FUNCTION, health } from "./health-spec";
import { healthCheckPolicy, healthSweepPolicy } from "./health-permissions";
import { healthDlq, healthQueue } from "./health-queues";
import { key } from "./kms";
import { healthCheckLogGroup, healthSweepLogGroup } from "./logs";
import { healthCheckRole, healthSweepRole } from "./roles";
import { table } from "./table";

/**
 * Connection health (contract section 8): a schedule starts the sweep, which pages through the due
 * index and queues due connections; the checker checks them against Okta with a per-org limiter
 * and records their health (functions/health/lambda.ts). Health-changed events come from the
 * table's stream, through the change-events function.
 */
/** A function of the health bundle: `handler` is its export, `role` its own, logging to its own group. */
const healthFunction = (
  name: string,
  description: string,
  opts: {
    handler: string;
    spec: { memory: sst.aws.FunctionArgs["memory"]; timeoutSeconds: number };
    role: aws.iam.Role;
    logGroup: aws.cloudwatch.LogGroup;
    environment: sst.aws.FunctionArgs["environment"];
    policy: aws.iam.RolePolicy;
  },
) =>
  new sst.aws.Function(
    name,
    {
      description,
      ...lambdaCode(HEALTH_BUNDLE),
      handler: opts.handler,
      memory: opts.spec.memory,
      timeout: `${opts.spec.timeoutSeconds} seconds`,
      role: opts.role.arn,
      logging: { logGroup: opts.logGroup.name },
      environment: opts.environment,
    },
    // The function never runs without its permissions.
    { dependsOn: [opts.policy] },
  );

export const healthSweepFunction = healthFunction(HEALTH_SWEEP_FUNCTION, "Okta App Connections health sweep (schedule → due index → queue)", {
  handler: "index.sweep",
  spec: health.sweep,
  role: healthSweepRole,
  logGroup: healthSweepLogGroup,
  environment: { TABLE_NAME: table.name, HEALTH_QUEUE_URL: healthQueue.url },
  policy: healthSweepPolicy,
});

export const healthCheckFunction = healthFunction(HEALTH_CHECK_FUNCTION, "Okta App Connections health checker (queue → Okta → health record)", {
  handler: "index.check",
  spec: health.check,
  role: healthCheckRole,
  logGroup: healthCheckLogGroup,
  environment: { TABLE_NAME: table.name, KMS_KEY_ID: key.arn, ...healthSettings },
  policy: healthCheckPolicy,
});

/** Every few minutes; each sweep also takes what falls due before the next, so no check is late. */
export const healthSchedule = new aws.cloudwatch.EventRule("HealthSweepSchedule", {
  description: "Okta App Connections: sweep the health due index",
  scheduleExpression: health.schedule,
});

export const healthScheduleTarget = new aws.cloudwatch.EventTarget("HealthSweepTarget", {
  rule: healthSchedule.name,
  arn: healthSweepFunction.arn,
});

export const healthSchedulePermission = new aws.lambda.Permission("HealthSweepInvoke", {
  action: "lambda:InvokeFunction",
  function: healthSweepFunction.name,
  principal: "events.amazonaws.com",
  sourceArn: healthSchedule.arn,
});

/** Partial batch responses; few checker instances at once, each with its own per-org limiter. */
export const healthSubscription = healthQueue.subscribe(healthCheckFunction.arn, {
  batch: { size: health.check.batchSize, window: `${health.check.batchWindowSeconds} seconds`, partialResponses: true },
  transform: {
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: health.check.maximumConcurrency };
    },
  },
});

/** A check parked after its retries: the service itself (database, KMS) kept failing. */
export const healthDlqAlarm = queueDepthAlarm("HealthChecksDlqDepth", healthDlq, "Okta App Connections: health checks parked in the DLQ after their retries");

/** Unhealthy connections found by the checks: from the checker's one structured line per check. */
export const unhealthyMetric = new aws.cloudwatch.LogMetricFilter("UnhealthyConnectionChecks", {
  logGroupName: healthCheckLogGroup.name,
  pattern: health.metric.pattern,
  metricTransformation: { namespace: health.metric.namespace, name: health.metric.name, value: health.metric.value, defaultValue: "0" },
});

export const unhealthyAlarm = new aws.cloudwatch.MetricAlarm("UnhealthyConnections", {
  alarmDescription: "Okta App Connections: scheduled checks found unhealthy connections (revoked token, deactivated app, wrong URL)",
  namespace: health.metric.namespace,
  metricName: health.metric.name,
  statistic: "Sum",
  period: health.unhealthyAlarm.periodSeconds,
  evaluationPeriods: 1,
  comparisonOperator: "GreaterThanThreshold",
  threshold: health.unhealthyAlarm.threshold,
  treatMissingData: "notBreaching",
  alarmActions: [alarmTopic.arn],
  okActions: [alarmTopic.arn],
});
