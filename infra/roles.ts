/**
 * The API function's execution role, created bare: its one inline policy (permissions.ts) is
 * attached after the KMS key exists, because the key's policy names this role.
 */
export const apiRole = new aws.iam.Role("ApiRole", {
  description: "Okta App Connections API function",
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
  }),
});

/** Roles allowed to use the key (with the encryption-context condition). The provisioning role joins here. */
export const keyUserRoles = [apiRole];
