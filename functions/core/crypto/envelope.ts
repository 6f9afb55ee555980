/**
 * Envelope encryption of small secrets (Okta API tokens).
 *
 * Each secret gets its own data key from KMS; only the KMS-encrypted copy of that key is stored,
 * so reading a secret always needs a KMS call that can be audited, throttled and revoked. The
 * encryption context (org, project, connection, ...) is bound twice: by KMS to the data key and by
 * our own GCM layer as associated data, so moving a sealed blob to another record fails even if
 * somebody swaps the stored data key for one sealed under the right context.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandOutput,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { ALARMS } from "../alarms";
import { canonicalJson } from "../canonical-json";
import { internalError, serviceUnavailable, type DomainError } from "../errors";
import type { Logger } from "../logger";
import { LegacySecretError, SecretUnreadableError } from "./secret-errors";

export { LegacySecretError, SecretUnreadableError };

/** Non-secret key/value pairs that say what a secret belongs to; must be identical to open it. */
export type EncryptionContext = Record<string, string>;

/** What is stored: never the plaintext data key. */
export interface SealedSecret {
  /** 2 since the encryption context has no empty values (`scope`); 1 was sealed under the earlier context. */
  formatVersion: typeof FORMAT_VERSION;
  /** KMS CiphertextBlob of the data key. */
  encryptedDataKey: Uint8Array;
  /** 12 random bytes. */
  iv: Uint8Array;
  ciphertext: Uint8Array;
  /** 16-byte GCM tag. */
  tag: Uint8Array;
}

/** Port: seals and opens secrets; adapters decide where the keys live. */
export interface SecretSealer {
  seal(plaintext: string, context: EncryptionContext): Promise<SealedSecret>;
  open(sealed: SealedSecret, context: EncryptionContext): Promise<string>;
}

const FORMAT_VERSION = 2;
const IV_BYTES = 12; // the GCM standard nonce size; random is safe since each data key seals once
const TAG_BYTES = 16;
// KMS errors that mean "this blob will never open", as opposed to "try again later".
const UNREADABLE_KMS_ERRORS = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);
// KMS errors that may pass on their own (ThrottlingException is how KMS answers its request quota;
// LimitExceededException is about resource quotas, which retrying does not change).
const TRANSIENT_KMS_ERRORS = new Set(["ThrottlingException", "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException"]);

/**
 * A failed KMS call as the service's error: throttling, KMS's own faults, 5xx and network errors are
 * 503 (try again); any other answer of KMS (access denied, key disabled or pending deletion, wrong
 * key usage, ...) is a refusal that only an operator can fix: 500, logged with the `KmsRefused`
 * alarm field the stack counts.
 */
function kmsFailure(error: unknown, operation: string, logger: Logger | undefined): DomainError {
  const name = error instanceof Error ? error.name : "";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const refused = !TRANSIENT_KMS_ERRORS.has(name) && status !== undefined && status >= 400 && status < 500;
  if (!refused) return serviceUnavailable("Key service unavailable", error);
  logger?.error("kms refused", { alarm: ALARMS.kmsRefused, operation, kmsError: name, httpStatus: status });
  return internalError("The key service refused the request; the service's operators have to fix its key or permissions", error);
}

/**
 * Canonical JSON of a context (keys sorted by code unit), so the same context always yields the
 * same bytes whatever the insertion order of its keys.
 */
export const canonicalContext = (context: EncryptionContext): string => canonicalJson(context);

// The version is part of the AAD so a blob cannot be replayed under a later format's rules.
const aad = (context: EncryptionContext) => Buffer.from(`okta-token-v${FORMAT_VERSION}\n${canonicalContext(context)}`, "utf8");

// Records come from storage, so their shape is checked at run time, not trusted from the type.
const isBytes = (v: unknown, length?: number): v is Uint8Array =>
  v instanceof Uint8Array && (length === undefined ? v.length > 0 : v.length === length);
const isWellFormed = (s: SealedSecret) =>
  s?.formatVersion === FORMAT_VERSION && isBytes(s.encryptedDataKey) && isBytes(s.iv, IV_BYTES) && isBytes(s.tag, TAG_BYTES) &&
  s.ciphertext instanceof Uint8Array;

/** Creates a {@link SecretSealer} that gets data keys from AWS KMS (or the local KMS endpoint). */
export function createKmsSealer(opts: { kms: KMSClient; keyId: string; logger?: Logger }): SecretSealer {
  const { kms, keyId, logger } = opts;
  return {
    async seal(plaintext, context) {
      let out: GenerateDataKeyCommandOutput;
      try {
        out = await kms.send(
          new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: context }),
        );
      } catch (error) {
        throw kmsFailure(error, "GenerateDataKey", logger);
      }
      const dataKey = out.Plaintext;
      try {
        if (!dataKey || dataKey.length !== 32 || !out.CiphertextBlob?.length) {
          throw serviceUnavailable("Key service unavailable");
        }
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv("aes-256-gcm", dataKey, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(aad(context));
        const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
        return { formatVersion: FORMAT_VERSION, encryptedDataKey: out.CiphertextBlob, iv, ciphertext, tag: cipher.getAuthTag() };
      } finally {
        dataKey?.fill(0); // the plaintext key must not outlive this call in our heap
      }
    },

    async open(sealed, context) {
      // Checked before calling KMS: a malformed or future-format record should not cost a KMS request.
      if ((sealed as { formatVersion?: unknown } | undefined)?.formatVersion === 1) throw new LegacySecretError();
      if (!isWellFormed(sealed)) throw new SecretUnreadableError();
      let dataKey: Uint8Array | undefined;
      try {
        const out = await kms.send(
          new DecryptCommand({ CiphertextBlob: sealed.encryptedDataKey, EncryptionContext: context, KeyId: keyId }),
        );
        dataKey = out.Plaintext;
      } catch (error) {
        if (error instanceof Error && UNREADABLE_KMS_ERRORS.has(error.name)) throw new SecretUnreadableError();
        throw kmsFailure(error, "Decrypt", logger);
      }
      try {
        if (!dataKey || dataKey.length !== 32) throw new SecretUnreadableError();
        const decipher = createDecipheriv("aes-256-gcm", dataKey, sealed.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(context));
        decipher.setAuthTag(sealed.tag);
        const plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
        try {
          return plain.toString("utf8");
        } finally {
          plain.fill(0);
        }
      } catch (error) {
        if (error instanceof SecretUnreadableError) throw error;
        throw new SecretUnreadableError(); // GCM auth failure; Node's message is generic but we drop it anyway
      } finally {
        dataKey?.fill(0);
      }
    },
  };
}
