/**
 * The functions' execution roles, created bare: each one's inline policy (permissions.ts) is
 * attached after the KMS keys exist, because the keys' policies name these roles.
 */
const lambdaRole = (name: string, description: string) =>
  new aws.iam.Role(name, {
    description,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });

export const apiRole = lambdaRole("ApiRole", "Okta App Connections API function");

/** The SQS consumer that applies provisioning messages. */
export const provisionRole = lambdaRole("ProvisionRole", "Okta App Connections provisioning intake (SQS consumer)");

/** The DynamoDB stream reader that publishes change events. It never touches the connections key. */
export const changeEventsRole = lambdaRole("ChangeEventsRole", "Okta App Connections change events (DynamoDB stream consumer)");

/** The scheduled sweep: reads the due index, queues due connections. No connections key. */
export const healthSweepRole = lambdaRole("HealthSweepRole", "Okta App Connections health sweep (schedule)");

/** The health checker: opens stored credentials to check them, writes only health attributes. */
export const healthCheckRole = lambdaRole("HealthCheckRole", "Okta App Connections health checker (SQS consumer)");
