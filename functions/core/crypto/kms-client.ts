import { KMSClient } from "@aws-sdk/client-kms";
import { awsClientConfig, type AwsClientOptions } from "../aws-client-config";

/** The one place that builds a `KMSClient`: local runs and AWS differ only by configuration. */
export const createKmsClient = (opts: AwsClientOptions = {}) => new KMSClient(awsClientConfig(opts));
