import { describedBy, Field } from "./shell";

/** The method choice of the Okta form (contract section 9): an API token or an OAuth 2.0 service app. */
export const MethodSelect = (props: { id: string }) => (
  <Field id={props.id} label="Method" hint="Okta recommends a service app: scoped access, no admin user, no 30-day idle expiry.">
    <select id={props.id} name="method" aria-describedby={describedBy(props.id)}>
      <option value="api-token">API Token</option>
      <option value="client-credentials">OAuth 2.0 service app (client credentials)</option>
    </select>
  </Field>
);

/**
 * A service app's credentials: client id, scopes, and the private key pasted as PEM or picked as a
 * JWK file. Hidden until the method asks for it; the key is sent once and never shown again.
 */
export const ServiceAppFields = (props: { prefix: string; keyHint: string }) => {
  const id = (name: string) => `${props.prefix}-${name}`;
  return (
    <fieldset id={id("service-app")} class="service-app" hidden>
      <legend class="sr-only">OAuth 2.0 service app</legend>
      <Field id={id("client-id")} label="Client ID" hint="Okta admin console → Applications → your API Services app → General.">
        <input id={id("client-id")} name="clientId" autocomplete="off" spellcheck={false} placeholder="0oa..." aria-describedby={describedBy(id("client-id"))} />
      </Field>
      <Field id={id("scopes")} label="Scopes" hint="Okta API scopes granted to the app, separated by spaces, e.g. okta.users.read okta.groups.read.">
        <input id={id("scopes")} name="scopes" autocomplete="off" spellcheck={false} placeholder="okta.users.read" aria-describedby={describedBy(id("scopes"))} />
      </Field>
      <Field id={id("private-key")} label="Private key" hint={props.keyHint}>
        <textarea
          id={id("private-key")}
          name="privateKey"
          rows={4}
          class="mono"
          autocomplete="off"
          spellcheck={false}
          placeholder="-----BEGIN PRIVATE KEY-----"
          aria-describedby={describedBy(id("private-key"))}
        ></textarea>
      </Field>
      <div class="field">
        <label for={id("private-key-file")}>Or choose a key file (JWK .json or PEM)</label>
        <input id={id("private-key-file")} type="file" accept=".json,.jwk,.pem,.key,application/json" />
        <p id={id("private-key-file-status")} class="hint" role="status"></p>
      </div>
    </fieldset>
  );
};
