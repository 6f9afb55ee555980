import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKmsSealer, LegacySecretError, SecretUnreadableError } from "../../../functions/core/crypto/envelope";
import type { SealedSecret, SecretSealer } from "../../../functions/core/crypto/envelope";
import { createKmsClient } from "../../../functions/core/crypto/kms-client";
import { startLocalKms, type LocalKms } from "../../../functions/core/crypto/local-kms";
import { DomainError } from "../../../functions/core/errors";
import { createLogger } from "../../../functions/core/logger";

const TOKEN = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ-okta-api-token";
const CONTEXT = { org: "org_1", project: "proj_1", connection: "conn_1" };

let dataDir: string;
let kms: LocalKms;
let client: KMSClient;
let sealer: SecretSealer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "envelope-test-"));
  kms = await startLocalKms({ dataDir });
  client = createKmsClient({ endpoint: kms.endpoint });
  sealer = createKmsSealer({ kms: client, keyId: kms.keyId });
});

afterAll(async () => {
  client?.destroy();
  await kms?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Flips one bit of the last byte (the first byte of a KMS blob is a version, a weaker test). */
const flipLastBit = (bytes: Uint8Array) => {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
  return copy;
};

/** Resolves to the rejection of `promise` (fails the test if it resolves). */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
};

describe("createKmsSealer", () => {
  it("round-trips a secret", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    expect(sealed.formatVersion).toBe(2);
    expect(await sealer.open(sealed, { ...CONTEXT })).toBe(TOKEN);
    const reordered = { connection: "conn_1", project: "proj_1", org: "org_1" }; // key order must not matter
    expect(await sealer.open(sealed, reordered)).toBe(TOKEN);
  });

  it("uses a fresh 12-byte IV per seal, a 16-byte tag, and never stores the plaintext", async () => {
    const a = await sealer.seal(TOKEN, CONTEXT);
    const b = await sealer.seal(TOKEN, CONTEXT);
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
    for (const field of [a.ciphertext, a.encryptedDataKey, a.iv, a.tag]) {
      expect(Buffer.from(field).includes(Buffer.from(TOKEN))).toBe(false);
    }
  });

  it.each(["org", "project", "connection"] as const)("refuses to open under a different %s", async (key) => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const error = await rejectionOf(sealer.open(sealed, { ...CONTEXT, [key]: "other" }));
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it("refuses to open with a missing or an extra context key", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const { connection: _, ...missing } = CONTEXT;
    await expect(sealer.open(sealed, missing)).rejects.toBeInstanceOf(SecretUnreadableError);
    await expect(sealer.open(sealed, { ...CONTEXT, extra: "x" })).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it.each(["ciphertext", "tag", "iv", "encryptedDataKey"] as const)("detects a tampered %s", async (field) => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const tampered: SealedSecret = { ...sealed, [field]: flipLastBit(sealed[field]) };
    await expect(sealer.open(tampered, CONTEXT)).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it("detects a data key swapped in from another record with the same context (GCM layer)", async () => {
    const a = await sealer.seal(TOKEN, CONTEXT);
    const b = await sealer.seal("another-token", CONTEXT);
    const spliced: SealedSecret = { ...a, encryptedDataKey: b.encryptedDataKey };
    await expect(sealer.open(spliced, CONTEXT)).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it("rejects an unknown format version or a malformed record without calling KMS", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const before = kms.counts.Decrypt ?? 0;
    const bad = [{ formatVersion: 3 }, { iv: sealed.iv.subarray(1) }, { tag: undefined }, { encryptedDataKey: "x" }];
    for (const patch of bad) {
      const record = { ...sealed, ...patch } as unknown as SealedSecret;
      await expect(sealer.open(record, CONTEXT)).rejects.toBeInstanceOf(SecretUnreadableError);
    }
    expect(kms.counts.Decrypt ?? 0).toBe(before);
  });

  it("makes exactly one GenerateDataKey per seal and one Decrypt per open", async () => {
    const count = (op: string) => kms.counts[op] ?? 0;
    const [gen0, dec0] = [count("GenerateDataKey"), count("Decrypt")];
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    expect([count("GenerateDataKey") - gen0, count("Decrypt") - dec0]).toEqual([1, 0]);
    await sealer.open(sealed, CONTEXT);
    expect([count("GenerateDataKey") - gen0, count("Decrypt") - dec0]).toEqual([1, 1]);
  });

  it("maps an unreachable KMS to ServiceUnavailable", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const down = await startLocalKms({});
    await down.close(); // its port is now closed
    const downClient = createKmsClient({ endpoint: down.endpoint, maxAttempts: 1 });
    try {
      const downSealer = createKmsSealer({ kms: downClient, keyId: down.keyId });
      const errors = [
        await rejectionOf(downSealer.seal(TOKEN, CONTEXT)),
        await rejectionOf(downSealer.open(sealed, CONTEXT)),
      ];
      for (const error of errors) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe("ServiceUnavailable");
        expect((error as DomainError).message).toBe("Key service unavailable");
      }
    } finally {
      downClient.destroy();
    }
  });

  it("refuses a secret of format 1 (sealed under the earlier context) as legacy, without calling KMS", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const before = kms.counts.Decrypt;
    const legacy = { ...sealed, formatVersion: 1 } as unknown as SealedSecret;
    const error = await rejectionOf(sealer.open(legacy, CONTEXT));
    expect(error).toBeInstanceOf(LegacySecretError);
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(kms.counts.Decrypt).toBe(before);
  });

  it("a data key made under one KMS key and opened naming another is unreadable (IncorrectKeyException)", async () => {
    const twoKeys = await startLocalKms({ keys: ["local-master", "local-other"] });
    const twoClient = createKmsClient({ endpoint: twoKeys.endpoint });
    try {
      const [first, second] = twoKeys.keyIds.map((keyId) => createKmsSealer({ kms: twoClient, keyId }));
      const sealed = await second!.seal(TOKEN, CONTEXT);
      expect(await second!.open(sealed, CONTEXT)).toBe(TOKEN);
      const error = await rejectionOf(first!.open(sealed, CONTEXT));
      expect(error).toBeInstanceOf(SecretUnreadableError);
      expect(twoKeys.counts.Decrypt).toBe(2); // KMS was asked, and said IncorrectKeyException
    } finally {
      twoClient.destroy();
      await twoKeys.close();
    }
  });

  it("maps a KMS refusal (unknown key) to InternalError and logs it with the KmsRefused alarm field", async () => {
    const lines: string[] = [];
    const wrongKey = createKmsSealer({ kms: client, keyId: "alias/does-not-exist", logger: createLogger((l) => lines.push(l)) });
    const error = await rejectionOf(wrongKey.seal(TOKEN, CONTEXT));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("InternalError");
    expect((error as DomainError).retryAfterSeconds).toBeUndefined();
    expect(((error as DomainError).cause as Error).name).toBe("NotFoundException");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: "error", message: "kms refused", alarm: "KmsRefused", operation: "GenerateDataKey", kmsError: "NotFoundException" }),
    ]);
  });

  it("maps each KMS answer to refused (500) or transient (503)", async () => {
    const sealed = await sealer.seal(TOKEN, CONTEXT);
    const cases: [string, string][] = [
      ["AccessDeniedException", "InternalError"],
      ["DisabledException", "InternalError"],
      ["KMSInvalidStateException", "InternalError"],
      ["NotFoundException", "InternalError"],
      ["InvalidKeyUsageException", "InternalError"],
      ["LimitExceededException", "InternalError"],
      ["ThrottlingException", "ServiceUnavailable"],
      ["KMSInternalException", "ServiceUnavailable"],
      ["DependencyTimeoutException", "ServiceUnavailable"],
      ["KeyUnavailableException", "ServiceUnavailable"],
    ];
    const refusing = await startLocalKms({});
    const refusingClient = createKmsClient({ endpoint: refusing.endpoint, maxAttempts: 1 });
    try {
      const lines: string[] = [];
      const s = createKmsSealer({ kms: refusingClient, keyId: refusing.keyId, logger: createLogger((l) => lines.push(l)) });
      for (const [kmsType, code] of cases) {
        refusing.refuse(kmsType);
        lines.length = 0;
        for (const error of [await rejectionOf(s.seal(TOKEN, CONTEXT)), await rejectionOf(s.open(sealed, CONTEXT))]) {
          expect((error as DomainError).code, kmsType).toBe(code);
          expect((error as DomainError).retryAfterSeconds, kmsType).toBe(code === "InternalError" ? undefined : 1);
        }
        expect(lines.length, kmsType).toBe(code === "InternalError" ? 2 : 0);
      }
    } finally {
      refusingClient.destroy();
      await refusing.close();
    }
  });
});
