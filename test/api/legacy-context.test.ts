import { createCipheriv, randomBytes } from "node:crypto";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalContext } from "../../functions/core/crypto/envelope";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * The encryption context has no empty values: org-level connections say `scope: "org"`, project
 * connections `scope: "project"` and their projectId. A record sealed under the earlier context
 * (format 1, `projectId: ""` for org-level) is refused clearly until new credentials are set.
 */
let h: Harness;
let admin: string;
const BASE = "/api/v1/app-connections/okta";
const ORG = "org-ctx";

beforeAll(async () => {
  h = await startHarness();
  admin = await h.token({ orgId: ORG, orgRole: "admin" });
});
afterAll(() => h?.close());

const rawConnection = async (id: string) => (await h.scan()).map((i) => unmarshall(i)).find((i) => i.type === "connection" && i.id === id)!;
const decryptWith = (blob: Uint8Array, EncryptionContext: Record<string, string>) =>
  h.kmsClient.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext }));

describe("encryption context", () => {
  it.each([
    ["org-level", undefined, (id: string) => ({ orgId: ORG, scope: "org", connectionId: id, app: "okta" })],
    ["project", "p-ctx", (id: string) => ({ orgId: ORG, scope: "project", projectId: "p-ctx", connectionId: id, app: "okta" })],
  ])("a %s connection's data key opens under its scoped context only, never the earlier one", async (_label, projectId, expected) => {
    const created = await h.call("POST", BASE, { token: admin, body: createBody(h, `ctx-${projectId ?? "org"}`, projectId ? { projectId } : {}) });
    expect(created.status).toBe(200);
    const { id } = created.body.appConnection;
    const blob = (await rawConnection(id)).secret.encryptedDataKey as Uint8Array;
    expect((await decryptWith(blob, expected(id))).Plaintext).toHaveLength(32);
    const earlier = { orgId: ORG, projectId: projectId ?? "", connectionId: id, app: "okta" };
    await expect(decryptWith(blob, earlier)).rejects.toMatchObject({ name: projectId ? "InvalidCiphertextException" : "ValidationException" });
  });
});

describe("a record sealed under the earlier context", () => {
  it("validates as InvalidCredentials telling the user to set new credentials; new credentials make it work again", async () => {
    const token = h.validOktaToken();
    const created = await h.call("POST", BASE, { token: admin, body: createBody(h, "legacy", { projectId: "p-old" }, token) });
    const { id } = created.body.appConnection;
    // What an earlier release stored: format 1, sealed under { orgId, projectId, connectionId, app }.
    const earlier = { orgId: ORG, projectId: "p-old", connectionId: id, app: "okta" };
    const key = await h.kmsClient.send(new GenerateDataKeyCommand({ KeyId: h.localKms.keyId, KeySpec: "AES_256", EncryptionContext: earlier }));
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key.Plaintext!, iv).setAAD(Buffer.from(`okta-token-v1\n${canonicalContext(earlier)}`));
    const ciphertext = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    const item = await rawConnection(id);
    const secret = { formatVersion: 1, encryptedDataKey: key.CiphertextBlob!, iv, ciphertext, tag: cipher.getAuthTag() };
    await h.dynamodb.send(new PutItemCommand({ TableName: h.tableName, Item: marshall({ ...item, secret }) }));

    const decryptsBefore = h.localKms.counts.Decrypt;
    const refused = await h.call("POST", `${BASE}/${id}/validate`, { token: admin });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ valid: false, error: { error: "InvalidCredentials" } });
    expect(refused.body.error.message).toMatch(/earlier encryption context.*set new credentials/);
    expect(h.localKms.counts.Decrypt).toBe(decryptsBefore); // known by its format, no KMS call
    expect((await h.call("GET", `${BASE}/${id}`, { token: admin })).status).toBe(200); // reads are unaffected

    const patched = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { credentials: { instanceUrl: h.okta.origin, apiToken: h.validOktaToken() } } });
    expect(patched.status).toBe(200);
    expect((await rawConnection(id)).secret.formatVersion).toBe(2);
    expect((await h.call("POST", `${BASE}/${id}/validate`, { token: admin })).body).toMatchObject({ valid: true });
  });
});
