import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClientConfig, type AwsClientOptions } from "../aws-client-config";

/** The one place that builds a `DynamoDBClient`: DynamoDB Local and AWS differ only by configuration. */
export const createDynamoClient = (opts: AwsClientOptions = {}) => new DynamoDBClient(awsClientConfig(opts));
