import { ALARMS } from "../functions/core/alarms";
import { api } from "./api";
import { apiLogGroup, provisionLogGroup } from "./logs";
import { failureQueueAlarm } from "./provisioning-spec";
import { changeEventFailures, provisioningDlq } from "./queues";

/** Subscribe an address or a pager to this topic to hear about the alarms. */
export const alarmTopic = new aws.sns.Topic("Alarms", {});

/** Fires when more than 5% of the API's requests end in a 5xx for 3 of the last 5 minutes. */
export const api5xxAlarm = new aws.cloudwatch.MetricAlarm("Api5xxRate", {
  alarmDescription: "Okta App Connections API: 5xx responses above 5% of requests",
  comparisonOperator: "GreaterThanThreshold",
  threshold: 5,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  treatMissingData: "notBreaching",
  metricQueries: [
    {
      id: "errors",
      returnData: false,
      metric: { namespace: "AWS/ApiGateway", metricName: "5xx", dimensions: { ApiId: api.nodes.api.id }, period: 60, stat: "Sum" },
    },
    {
      id: "requests",
      returnData: false,
      metric: { namespace: "AWS/ApiGateway", metricName: "Count", dimensions: { ApiId: api.nodes.api.id }, period: 60, stat: "Sum" },
    },
    { id: "rate", label: "5xx %", returnData: true, expression: "IF(requests > 0, 100 * errors / requests, 0)" },
  ],
  alarmActions: [alarmTopic.arn],
  okActions: [alarmTopic.arn],
});

/** Fires as soon as a queue holds a message: each one is a failure a human must look at. */
export const queueDepthAlarm = (name: string, queue: sst.aws.Queue, description: string) =>
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    namespace: "AWS/SQS",
    metricName: failureQueueAlarm.metricName,
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
    period: failureQueueAlarm.periodSeconds,
    evaluationPeriods: 1,
    comparisonOperator: "GreaterThanThreshold",
    threshold: failureQueueAlarm.threshold,
    treatMissingData: "notBreaching",
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  });

/** A parked provisioning message: fix the cause, then redrive it (its requestId was never recorded, so it applies). */
export const provisioningDlqAlarm = queueDepthAlarm(
  "ProvisioningDlqDepth",
  provisioningDlq,
  "Okta App Connections: provisioning messages parked in the DLQ after their retries",
);

/** A stream batch whose change events could not be published after the bounded retries. */
export const changeEventFailuresAlarm = queueDepthAlarm(
  "ChangeEventFailuresDepth",
  changeEventFailures,
  "Okta App Connections: change events not published (failed stream batches parked)",
);

/**
 * KMS refused a call of the API or the intake (access denied, key disabled or pending deletion, ...):
 * the code logs `{"level":"error","message":"kms refused","alarm":"KmsRefused",...}` and answers 500
 * (docs/deploy.md). A metric filter on each function's log group counts those lines; one fires the alarm.
 */
export const KMS_REFUSED_METRIC = { namespace: `OktaAppConnections/${$app.stage}`, name: ALARMS.kmsRefused } as const;

export const kmsRefusedFilters = [
  ["ApiKmsRefused", apiLogGroup],
  ["ProvisionKmsRefused", provisionLogGroup],
].map(
  ([name, group]) =>
    new aws.cloudwatch.LogMetricFilter(name as string, {
      logGroupName: (group as aws.cloudwatch.LogGroup).name,
      pattern: `{ $.alarm = "${ALARMS.kmsRefused}" }`,
      metricTransformation: { namespace: KMS_REFUSED_METRIC.namespace, name: KMS_REFUSED_METRIC.name, value: "1", unit: "Count" },
    }),
);

export const kmsRefusedAlarm = new aws.cloudwatch.MetricAlarm("KmsRefusedAlarm", {
  alarmDescription: "Okta App Connections: KMS refused a call (key disabled, access denied, ...); fix the key, then redrive the DLQ",
  namespace: KMS_REFUSED_METRIC.namespace,
  metricName: KMS_REFUSED_METRIC.name,
  statistic: "Sum",
  period: 60,
  evaluationPeriods: 1,
  comparisonOperator: "GreaterThanThreshold",
  threshold: 0,
  treatMissingData: "notBreaching",
  alarmActions: [alarmTopic.arn],
  okActions: [alarmTopic.arn],
});
