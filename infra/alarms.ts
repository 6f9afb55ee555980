import { api } from "./api";

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
