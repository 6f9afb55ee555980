import { api5xxAlarm, alarmTopic } from "./alarms";
import { api } from "./api";
import { key, keyAlias } from "./kms";
import { table } from "./table";

void api5xxAlarm;

export const outputs = {
  apiUrl: api.url,
  tableName: table.name,
  keyArn: key.arn,
  keyAlias: keyAlias.name,
  alarmTopicArn: alarmTopic.arn,
};
