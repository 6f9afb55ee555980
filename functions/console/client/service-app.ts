import type { ConsoleRules } from "../rules";
import { byId } from "./dom";

export type Method = "api-token" | "client-credentials";
export type ServiceAppField = "clientId" | "scopes" | "privateKey";
type Check = (value: string) => string | undefined;

/** What a service app's credentials look like on the wire (the private key as PEM text or a JWK object). */
export interface ServiceAppCredentials {
  instanceUrl: string;
  clientId: string;
  scopes: string[];
  privateKey: string | Record<string, unknown>;
}

export const METHOD_NAMES: Record<Method, string> = { "api-token": "API Token", "client-credentials": "Service app" };

/** Where the API's 422 details for a service app land in a form. */
export const SERVICE_APP_DETAIL_PATHS: Record<string, ServiceAppField> = {
  "body.credentials.clientId": "clientId",
  "body.credentials.scopes": "scopes",
  "body.credentials.privateKey": "privateKey",
};

const scopesOf = (value: string) => value.split(/[\s,]+/).filter(Boolean);

/**
 * The service app fields of one form (`add` or `credentials`): their controls for a FormState, the
 * API's own checks (active only while the form's method is client-credentials), the key file picker,
 * and the credentials they make. A picked JWK file is read into memory, never put on the page.
 */
export function serviceAppFields(prefix: string, rules: ConsoleRules, active: () => boolean, changed: () => void) {
  const controls = {
    clientId: byId<HTMLInputElement>(`${prefix}-client-id`),
    scopes: byId<HTMLInputElement>(`${prefix}-scopes`),
    privateKey: byId<HTMLTextAreaElement>(`${prefix}-private-key`),
  };
  const fieldset = byId<HTMLFieldSetElement>(`${prefix}-service-app`);
  const file = byId<HTMLInputElement>(`${prefix}-private-key-file`);
  const fileStatus = byId(`${prefix}-private-key-file-status`);
  let picked: string | Record<string, unknown> | undefined;

  const scopePattern = new RegExp(rules.scope.pattern ?? ".*");
  const clientIdPattern = new RegExp(rules.clientId.pattern ?? ".*");
  const when = (check: Check): Check => (value) => (active() ? check(value) : undefined);
  const checks: Record<ServiceAppField, Check> = {
    clientId: when((value) => (clientIdPattern.test(value) ? undefined : rules.clientId.messages.pattern)),
    scopes: when((value) => {
      const scopes = scopesOf(value);
      if (scopes.length < (rules.scopes.min ?? 1)) return rules.scopes.messages.min;
      if (scopes.length > (rules.scopes.max ?? 30)) return rules.scopes.messages.max;
      if (new Set(scopes).size !== scopes.length) return rules.scopes.messages.distinct;
      return scopes.every((scope) => scopePattern.test(scope)) ? undefined : rules.scope.messages.pattern;
    }),
    privateKey: when((value) => (value.trim() || picked !== undefined ? undefined : "Paste the private key (PKCS#8 PEM) or choose a key file")),
  };

  function forget() {
    picked = undefined;
    file.value = "";
    fileStatus.textContent = "";
    controls.privateKey.disabled = false;
  }

  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return forget(), changed();
    const text = await chosen.text();
    try {
      picked = text.trim().startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : text;
      controls.privateKey.value = "";
      controls.privateKey.disabled = true;
      fileStatus.textContent = `Using ${chosen.name}: it is sent once, checked against Okta and never shown again.`;
    } catch {
      forget();
      fileStatus.textContent = `${chosen.name} is not a JWK (JSON) or PEM file.`;
    }
    changed();
  });

  return {
    controls,
    checks,
    show(visible: boolean) {
      fieldset.hidden = !visible;
    },
    forget,
    credentials(instanceUrl: string): ServiceAppCredentials {
      return { instanceUrl, clientId: controls.clientId.value.trim(), scopes: scopesOf(controls.scopes.value), privateKey: picked ?? controls.privateKey.value.trim() };
    },
  };
}
