/**
 * The dynamic provider of `OktaAppConnection`: Pulumi's create/read/update/delete/diff, each a few calls
 * of the service's public API (api.ts), never DynamoDB or KMS. Callable on their own (the tests do).
 *
 * Drift: `read` (a refresh) takes in the live connection, its `credentialsHash` included; when that hash
 * is no longer the one this deploy wrote, someone changed the credentials outside the deploy, `diff`
 * reports `credentials`, and the next update writes the declared ones again (as Infisical's Terraform
 * provider treats `credentials_hash`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { apiError, callApi, isNotFound, isStale, type ApiConnection, type OktaAppConnectionError } from "./api";
import { fingerprint, sameCredentials, stateOf, type ConnectionInputs, type ConnectionState } from "./state";

/** The API never moves a connection to another service, scope or method: a change of these is a new one. */
const REPLACE_KEYS = ["apiUrl", "projectId", "method"] as const;

/** Pulumi's `DiffResult` plus `diffs`, every changed property (Pulumi 3.215's dynamic provider host forwards only the rest). */
export interface ConnectionDiff extends pulumi.dynamic.DiffResult {
  readonly diffs: string[];
}

export const oktaAppConnectionProvider = {
  async create(inputs: ConnectionInputs): Promise<pulumi.dynamic.CreateResult<ConnectionState>> {
    const { name, description, method, projectId, credentials, proxy } = inputs;
    const optional = { description, projectId, proxy };
    const body = { name, method, credentials, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v != null)) };
    const created = await callApi(inputs, "POST", "", { body, secrets: secretsOf(inputs) });
    return { id: created.id, outs: await written(created, inputs) };
  },

  async read(id: string, props: ConnectionState): Promise<pulumi.dynamic.ReadResult<ConnectionState>> {
    let live: ApiConnection;
    try {
      live = await callApi(props, "GET", `/${encodeURIComponent(id)}`);
    } catch (err) {
      if (isNotFound(err)) return {}; // deleted outside the deploy: no id tells Pulumi it is gone
      throw err;
    }
    const { deployedCredentialsHash, credentialsFingerprint } = props;
    return { id, props: stateOf(live, props, { deployedCredentialsHash, credentialsFingerprint }, props.proxy) };
  },

  async diff(_id: string, olds: ConnectionState, news: ConnectionInputs): Promise<ConnectionDiff> {
    const replaces = REPLACE_KEYS.filter((key) => (olds[key] ?? null) !== (news[key] ?? null));
    const updates = await changedInPlace(olds, news);
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      // A new connection in the same scope of the same service would clash on the name: delete first.
      // Only a move to another project can create the new one before deleting the old.
      deleteBeforeReplace: replaces.some((key) => key !== "projectId"),
      diffs: [...replaces, ...updates],
    };
  },

  async update(id: string, olds: ConnectionState, news: ConnectionInputs): Promise<pulumi.dynamic.UpdateResult<ConnectionState>> {
    const changed = await changedInPlace(olds, news);
    const body = patchBody(changed, news);
    const path = `/${encodeURIComponent(id)}`;
    let connection: ApiConnection;
    try {
      connection = Object.keys(body).length
        ? await callApi(news, "PATCH", path, { body, ifMatch: olds.version, secrets: secretsOf(news) })
        : await callApi(news, "GET", path); // only the authToken changed: check it and keep it
    } catch (err) {
      if (isStale(err)) throw changedOutside(olds, id);
      throw err;
    }
    if (body.credentials) return { outs: await written(connection, news) };
    const { deployedCredentialsHash, credentialsFingerprint } = olds;
    return { outs: stateOf(connection, news, { deployedCredentialsHash, credentialsFingerprint }, news.proxy) };
  },

  async delete(id: string, props: ConnectionState): Promise<void> {
    try {
      await callApi(props, "DELETE", `/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!isNotFound(err)) throw err; // already gone is what a delete wants
    }
  },
};

/** The state after a write that sent `inputs.credentials`: their hash and fingerprint become the deployed ones. */
async function written(connection: ApiConnection, inputs: ConnectionInputs): Promise<ConnectionState> {
  const credentialsFingerprint = await fingerprint(inputs.credentials);
  return stateOf(connection, inputs, { deployedCredentialsHash: connection.credentialsHash, credentialsFingerprint }, inputs.proxy);
}

/** The properties an update changes, in the order the API takes them. */
async function changedInPlace(olds: ConnectionState, news: ConnectionInputs): Promise<string[]> {
  const changed: string[] = [];
  if (news.name !== olds.name) changed.push("name");
  if ((news.description ?? null) !== olds.description) changed.push("description");
  // An undeclared proxy policy is the service's (its default, or the console's edits): not managed here.
  if (news.proxy != null && JSON.stringify(news.proxy) !== JSON.stringify(olds.proxy)) changed.push("proxy");
  const drifted = olds.credentialsHash !== olds.deployedCredentialsHash;
  if (drifted || !(await sameCredentials(news.credentials, olds.credentialsFingerprint))) changed.push("credentials");
  if (news.authToken !== olds.authToken) changed.push("authToken");
  return changed;
}

function patchBody(changed: string[], news: ConnectionInputs): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (changed.includes("name")) body.name = news.name;
  if (changed.includes("description")) body.description = news.description ?? null;
  if (changed.includes("proxy")) body.proxy = news.proxy;
  if (changed.includes("credentials")) body.credentials = news.credentials;
  return body;
}

function changedOutside(olds: ConnectionState, id: string): OktaAppConnectionError {
  return apiError(
    "PreconditionFailed",
    `connection "${olds.name}" (${id}) was changed outside this deploy since version ${olds.version}, the one this deploy knows. ` +
      "Refresh (`sst refresh` or `pulumi refresh`) to take in its current state, then deploy again to apply yours.",
    412,
  );
}

/** The declared secrets (a token, a PEM, a JWK's members), kept out of any error message. */
function secretsOf(inputs: ConnectionInputs): string[] {
  const { apiToken, privateKey } = inputs.credentials ?? {};
  const keyParts = privateKey !== null && typeof privateKey === "object" ? Object.values(privateKey) : [privateKey];
  return [apiToken, ...keyParts].filter((s): s is string => typeof s === "string");
}
