import { isProduction } from "./config";
import { apiRole, healthCheckRole, provisionRole } from "./roles";

/**
 * The encryption context the code sends with every GenerateDataKey and Decrypt (`encryptionContext`
 * in functions/core/connections/sealing.ts): `{ orgId, scope: "org", connectionId, app }` for an
 * org-level connection, the same plus `projectId` with `scope: "project"`. No value is ever empty
 * (AWS KMS refuses them). The offline check compares this with what the code sends.
 */
export const ENCRYPTION_CONTEXT = {
  keys: ["orgId", "scope", "projectId", "connectionId", "app"],
  /** Present in every context, so IAM requires them (projectId only exists with scope "project"). */
  required: ["orgId", "scope", "connectionId"],
  scopes: ["org", "project"],
  app: "okta",
} as const;

/**
 * A data key may only be made or opened for this app, naming an org, a scope and a connection, with
 * no other context keys. `StringEquals` with a list admits any one of its values.
 */
export const encryptionContextCondition = {
  StringEquals: { "kms:EncryptionContext:app": ENCRYPTION_CONTEXT.app, "kms:EncryptionContext:scope": [...ENCRYPTION_CONTEXT.scopes] },
  "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": [...ENCRYPTION_CONTEXT.keys] },
  Null: Object.fromEntries(ENCRYPTION_CONTEXT.required.map((key) => [`kms:EncryptionContext:${key}`, "false"])),
};

/** The API makes and opens data keys. */
export const KEY_USE_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

/**
 * Provisioning only makes data keys: it compares credentials by hash and never opens a stored token
 * (docs/deploy.md), so it has no `kms:Decrypt` on this key.
 */
export const PROVISION_KEY_ACTIONS = ["kms:GenerateDataKey"];

/** The health checker opens stored credentials to check them; it never makes a data key. */
export const HEALTH_CHECK_KEY_ACTIONS = ["kms:Decrypt"];

/** What the account's administrators (through IAM) may do with a key: manage it, never use it. */
export const KEY_ADMIN_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:ListKeyRotations",
  "kms:RotateKeyOnDemand",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:UpdateKeyDescription",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

const { partition } = aws.getPartitionOutput();
const { accountId } = aws.getCallerIdentityOutput();

/** The account's root principal: in a key policy, it hands the key's administration to IAM. */
export const accountRoot = $interpolate`arn:${partition}:iam::${accountId}:root`;

/**
 * Arguments of every customer-managed key of the stack: yearly automatic rotation, a 30-day deletion
 * window, and a key policy in which the account administers the key and only `uses` may use it.
 * In a key policy `Resource: "*"` means "this key" (it is the only form KMS accepts there).
 */
export function customerKeyArgs(description: string, uses: Record<string, unknown>[]): aws.kms.KeyArgs {
  return {
    description: `Okta App Connections (${$app.stage}): ${description}`,
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: accountRoot }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
        ...uses,
      ],
    }),
  };
}

/**
 * The customer-managed key that wraps every connection's data key; yearly automatic rotation.
 * In a key policy `Resource: "*"` means "this key" (it is the only form KMS accepts there).
 * A production stage keeps it on removal, like its table: without the key the table is unreadable.
 */
export const key = new aws.kms.Key(
  "ConnectionsKey",
  customerKeyArgs("envelope encryption of API tokens", [
    {
      Sid: "ApiUsesKeyWithContext",
      Effect: "Allow",
      Principal: { AWS: apiRole.arn },
      Action: KEY_USE_ACTIONS,
      Resource: "*",
      Condition: encryptionContextCondition,
    },
    {
      Sid: "ProvisioningMakesDataKeysWithContext",
      Effect: "Allow",
      Principal: { AWS: provisionRole.arn },
      Action: PROVISION_KEY_ACTIONS,
      Resource: "*",
      Condition: encryptionContextCondition,
    },
    {
      Sid: "HealthChecksOpenCredentialsWithContext",
      Effect: "Allow",
      Principal: { AWS: healthCheckRole.arn },
      Action: HEALTH_CHECK_KEY_ACTIONS,
      Resource: "*",
      Condition: encryptionContextCondition,
    },
  ]),
  { retainOnDelete: isProduction },
);

export const keyAlias = new aws.kms.Alias("ConnectionsKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}`,
  targetKeyId: key.keyId,
});
