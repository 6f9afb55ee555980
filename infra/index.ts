import { api5xxAlarm, alarmTopic, changeEventFailuresAlarm, kmsRefusedAlarm, kmsRefusedFilters, provisioningDlqAlarm } from "./alarms";
import { api } from "./api";
import { bus } from "./bus";
import { changeEventsSubscription } from "./change-events";
import { healthDlqAlarm, healthScheduleTarget, healthSchedulePermission, healthSubscription, unhealthyAlarm } from "./health";
import { healthDlq, healthQueue } from "./health-queues";
import { idempotencyTable } from "./idempotency";
import { key, keyAlias } from "./kms";
import { provisionSubscription } from "./provision";
import { queueKey } from "./queue-key";
import { provisioningQueuePolicy } from "./queue-policy";
import { changeEventFailures, provisioningDlq, provisioningQueue } from "./queues";
import { table } from "./table";

void [
  api5xxAlarm,
  provisioningDlqAlarm,
  changeEventFailuresAlarm,
  kmsRefusedAlarm,
  kmsRefusedFilters,
  provisionSubscription,
  changeEventsSubscription,
  provisioningQueuePolicy,
];
void [healthDlqAlarm, healthScheduleTarget, healthSchedulePermission, healthSubscription, unhealthyAlarm];

export const outputs = {
  apiUrl: api.url,
  tableName: table.name,
  keyArn: key.arn,
  keyAlias: keyAlias.name,
  alarmTopicArn: alarmTopic.arn,
  provisioningQueueUrl: provisioningQueue.url,
  provisioningQueueArn: provisioningQueue.arn,
  provisioningDlqUrl: provisioningDlq.url,
  provisioningDlqArn: provisioningDlq.arn,
  changeEventFailuresUrl: changeEventFailures.url,
  queueKeyArn: queueKey.arn,
  eventBusName: bus.name,
  eventBusArn: bus.arn,
  idempotencyTableName: idempotencyTable.name,
  healthQueueUrl: healthQueue.url,
  healthDlqUrl: healthDlq.url,
};
