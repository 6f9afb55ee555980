import type { ConsoleRules, FieldRule } from "../rules";

type Control = HTMLInputElement | HTMLTextAreaElement;
type Check = (value: string) => string | undefined;

/** The API's own limits and messages, rendered into the page by the server (see ../rules.ts). */
export const rules = (): ConsoleRules => JSON.parse(document.body.dataset.rules ?? "{}") as ConsoleRules;

function lengthAndPattern(rule: FieldRule): Check {
  const pattern = rule.pattern ? new RegExp(rule.pattern) : undefined;
  return (value) => {
    if (rule.min !== undefined && value.length < rule.min) return rule.messages.min;
    if (rule.max !== undefined && value.length > rule.max) return rule.messages.max;
    if (pattern && !pattern.test(value)) return rule.messages.pattern;
    return undefined;
  };
}

/** Mirrors instanceUrlSchema: at most N chars, an absolute URL, nothing but the origin. */
function instanceUrlCheck(rule: FieldRule): Check {
  return (value) => {
    if (rule.max !== undefined && value.length > rule.max) return rule.messages.max;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return rule.messages.absolute;
    }
    const bare = (url.pathname === "/" || url.pathname === "") && url.search === "" && url.hash === "" && !/[?#]/.test(value);
    if (!bare) return rule.messages.origin;
    // The API refuses the admin console's host too; say so as soon as the field is left, not after a submit.
    const adminHost = rule.adminHost ? new RegExp(rule.adminHost) : undefined;
    const host = url.hostname.replace(/\.$/, "");
    return adminHost?.test(host) ? host.replace(adminHost, rule.messages.adminHost ?? "") : undefined;
  };
}

export function checks(r: ConsoleRules) {
  return {
    name: lengthAndPattern(r.name),
    description: lengthAndPattern(r.description),
    instanceUrl: instanceUrlCheck(r.instanceUrl),
    apiToken: lengthAndPattern(r.apiToken),
    projectId: lengthAndPattern(r.projectId),
  };
}

export function setFieldError(control: Control, message: string | undefined) {
  const line = document.getElementById(`${control.id}-error`);
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
  if (line) {
    line.textContent = message ?? "";
    line.hidden = !message;
  }
}

/**
 * A form's fields: client checks shown once a field was touched, server errors pinned to a field
 * until it changes, and the submit button enabled only when every field is fine (and not busy).
 */
export class FormState<K extends string> {
  private touched = new Set<K>();
  private serverErrors = new Map<K, string>();
  busy = false;

  constructor(
    readonly controls: Record<K, Control>,
    private readonly checksOf: Record<K, Check>,
    private readonly submit: HTMLButtonElement,
    private readonly extraValid: () => boolean = () => true,
  ) {
    for (const key of Object.keys(controls) as K[]) {
      const control = controls[key];
      control.addEventListener("input", () => {
        this.touched.add(key);
        this.serverErrors.delete(key);
        this.refresh();
      });
      control.addEventListener("blur", () => {
        if (control.value !== "" || this.touched.has(key)) this.touched.add(key);
        this.refresh();
      });
    }
  }

  value(key: K) {
    return this.controls[key].value;
  }

  errorOf(key: K) {
    return this.serverErrors.get(key) ?? this.checksOf[key](this.controls[key].value);
  }

  valid() {
    return (Object.keys(this.controls) as K[]).every((key) => !this.errorOf(key)) && this.extraValid();
  }

  /** Shows the error of every touched field and sets the submit button. */
  refresh() {
    for (const key of Object.keys(this.controls) as K[]) {
      setFieldError(this.controls[key], this.touched.has(key) || this.serverErrors.has(key) ? this.errorOf(key) : undefined);
    }
    this.submit.disabled = this.busy || !this.valid();
  }

  serverError(key: K, message: string) {
    this.serverErrors.set(key, message);
    this.refresh();
    this.controls[key].focus();
  }

  setBusy(busy: boolean) {
    this.busy = busy;
    this.submit.setAttribute("aria-busy", String(busy));
    this.refresh();
  }

  reset(values: Partial<Record<K, string>> = {}) {
    this.touched.clear();
    this.serverErrors.clear();
    this.busy = false;
    for (const key of Object.keys(this.controls) as K[]) this.controls[key].value = values[key] ?? "";
    this.refresh();
  }
}

/** Show/hide buttons of masked inputs. */
export function wireSecretToggles(root: ParentNode = document) {
  for (const button of root.querySelectorAll<HTMLButtonElement>("[data-toggle-secret]")) {
    const input = document.getElementById(button.dataset.toggleSecret!) as HTMLInputElement;
    button.addEventListener("click", () => {
      const reveal = input.type === "password";
      input.type = reveal ? "text" : "password";
      button.textContent = reveal ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(reveal));
      button.setAttribute("aria-label", reveal ? "Hide API token" : "Show API token");
    });
    button.setAttribute("aria-label", "Show API token");
  }
}

/** Puts an API 422's per-field details on the matching fields; false when none matched. */
export function mapDetails<K extends string>(form: FormState<K>, details: { path: string; message: string }[] | undefined, paths: Partial<Record<string, K>>) {
  let mapped = false;
  for (const detail of details ?? []) {
    const key = paths[detail.path];
    if (key) {
      form.serverError(key, detail.message);
      mapped = true;
    }
  }
  return mapped;
}
