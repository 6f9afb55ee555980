/** The customer-managed key that wraps every connection's data key. Rotation on. */
export const key = new aws.kms.Key("ConnectionsKey", {
  description: "Okta App Connections: envelope encryption of API tokens",
  enableKeyRotation: true,
  deletionWindowInDays: 30,
});

export const keyAlias = new aws.kms.Alias("ConnectionsKeyAlias", {
  name: `alias/okta-app-connections-${$app.stage}`,
  targetKeyId: key.keyId,
});
