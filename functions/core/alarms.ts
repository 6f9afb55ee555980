/**
 * Values of the `alarm` field of error log lines that the stack counts with a metric filter
 * (infra/alarms.ts): one name per failure an operator must fix, stable across releases.
 */
export const ALARMS = {
  /** KMS refused a call (access denied, key disabled or pending deletion, ...): retrying cannot help. */
  kmsRefused: "KmsRefused",
} as const;
