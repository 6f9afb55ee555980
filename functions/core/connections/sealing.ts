import { createHmac, createSecretKey } from "node:crypto";
import type { Json } from "../canonical-json";
import { canonicalJson } from "../canonical-json";
import type { EncryptionContext } from "../crypto/envelope";
import type { OktaCredentials } from "../okta/access";
import type { ConnectionRecord } from "./model";

/**
 * What binds a connection's credentials to its record, for every method (`api-token` today,
 * `client-credentials` next): the KMS encryption context a secret is sealed under, and the keyed
 * hash that lets equal credentials compare equal without decrypting.
 */
type Owner = Pick<ConnectionRecord, "orgId" | "projectId" | "id">;

/**
 * The KMS encryption context binds a sealed secret to exactly one connection of one tenant. No key
 * or value is ever empty (AWS KMS refuses them): an org-level connection says `scope: "org"`, a
 * project connection `scope: "project"` and its `projectId`. infra/kms.ts allows exactly these keys.
 */
export const encryptionContext = (r: Owner): EncryptionContext =>
  r.projectId === null
    ? { orgId: r.orgId, scope: "org", connectionId: r.id, app: "okta" }
    : { orgId: r.orgId, scope: "project", projectId: r.projectId, connectionId: r.id, app: "okta" };

/** `credentialsHash` of a connection's credentials, given its method and their canonical object. */
export type CredentialsHasher = (owner: Pick<Owner, "orgId" | "id">, method: string, credentials: { [key: string]: Json }) => string;

/**
 * An HMAC-SHA-256 under the service's key (CREDENTIALS_HASH_KEY): stable across reads, changed by
 * every credential change, and, unlike a bare SHA-256, useless for confirming a guessed token
 * without the key. Bound to the org and connection, so equal tokens of two connections differ.
 */
export function createCredentialsHasher(key: string): CredentialsHasher {
  if (key.length < 32) throw new Error("The credentials hash key must be at least 32 characters");
  const secret = createSecretKey(Buffer.from(key, "utf8")); // made once: a string key is converted on every call
  return (owner, method, credentials) =>
    createHmac("sha256", secret).update(canonicalJson(["okta", method, owner.orgId, owner.id, credentials])).digest("hex");
}

/** The part of a method's credentials that is sealed: the API token, or the service app's private key. */
export const secretOf = (creds: OktaCredentials) => (creds.method === "api-token" ? creds.apiToken : creds.privateKey);

/** `credentialsHash` of a method's credentials: everything but the method name, as one canonical object. */
export function hashOfCredentials(hash: CredentialsHasher, owner: Pick<Owner, "orgId" | "id">, creds: OktaCredentials): string {
  const { method, ...credentials } = creds;
  return hash(owner, method, credentials);
}
