import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { awsClientConfig, type AwsClientOptions } from "../core/aws-client-config";

/** The one place that builds an `EventBridgeClient`, with the same deadlines as every AWS client. */
export const createEventBridgeClient = (opts: AwsClientOptions = {}) => new EventBridgeClient(awsClientConfig(opts));
