import { isProduction } from "./config";
import { keyUserRoles } from "./roles";

/**
 * The encryption context the code sends with every GenerateDataKey and Decrypt
 * (`encryptionContext` in functions/core/connections/service.ts). The offline check compares the two.
 */
export const ENCRYPTION_CONTEXT = { keys: ["orgId", "projectId", "connectionId", "app"], app: "okta" } as const;

/** A data key may only be made or opened for this app, naming an org and a connection, with no other context keys. */
export const encryptionContextCondition = {
  StringEquals: { "kms:EncryptionContext:app": ENCRYPTION_CONTEXT.app },
  "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": [...ENCRYPTION_CONTEXT.keys] },
  Null: { "kms:EncryptionContext:orgId": "false", "kms:EncryptionContext:connectionId": "false" },
};

export const KEY_USE_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

/** What the account's administrators (through IAM) may do with the key: manage it, never use it. */
const KEY_ADMIN_ACTIONS = [
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

/**
 * The customer-managed key that wraps every connection's data key; yearly automatic rotation.
 * In a key policy `Resource: "*"` means "this key" (it is the only form KMS accepts there).
 * A production stage keeps it on removal, like its table: without the key the table is unreadable.
 */
export const key = new aws.kms.Key(
  "ConnectionsKey",
  {
    description: `Okta App Connections (${$app.stage}): envelope encryption of API tokens`,
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: $interpolate`arn:${partition}:iam::${accountId}:root` },
          Action: KEY_ADMIN_ACTIONS,
          Resource: "*",
        },
        {
          Sid: "FunctionsUseKeyWithContext",
          Effect: "Allow",
          Principal: { AWS: keyUserRoles.map((role) => role.arn) },
          Action: KEY_USE_ACTIONS,
          Resource: "*",
          Condition: encryptionContextCondition,
        },
      ],
    }),
  },
  { retainOnDelete: isProduction },
);

export const keyAlias = new aws.kms.Alias("ConnectionsKeyAlias", {
  name: `alias/${$app.name}-${$app.stage}`,
  targetKeyId: key.keyId,
});
