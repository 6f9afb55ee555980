/**
 * Why a stored secret cannot be opened. Apart from envelope.ts so that the code which only maps
 * these errors (connections/check.ts) does not load the KMS client with the sealer.
 */

/** The secret cannot be read: wrong context, tampered data or an unknown format. Never carries secret data. */
export class SecretUnreadableError extends Error {
  constructor(message = "Stored secret cannot be decrypted") {
    super(message);
    this.name = "SecretUnreadableError";
  }
}

/**
 * A secret of an earlier format (1: sealed under the context with `projectId: ""`, which AWS KMS
 * refuses). It is never opened: the user sets new credentials, which seals them in the current format.
 */
export class LegacySecretError extends SecretUnreadableError {
  constructor() {
    super("Stored secret was sealed under an earlier encryption context");
    this.name = "LegacySecretError";
  }
}
