import { api } from "./api";
import { key } from "./kms";
import { table } from "./table";

export const outputs = {
  apiUrl: api.url,
  tableName: table.name,
  keyArn: key.arn,
};
