import { ApiError, describeApiError } from "./api";
import type { ConsoleContext } from "./context";
import { closeDialog, confirmDialog, openDialog } from "./dialogs";
import { byId, h } from "./dom";
import { FormState, mapDetails, rules } from "./fields";
import { serviceAppFields, SERVICE_APP_DETAIL_PATHS, type Method, type ServiceAppField } from "./service-app";
import { toast } from "./toast";

/** Apps the console knows how to present; the list itself comes from `GET /options`. */
const APP_INFO: Record<string, { category: string; blurb: string }> = {
  okta: { category: "Identity", blurb: "Manage an Okta org via API token or OAuth 2.0 service app" },
};

type AddField = "name" | "description" | "instanceUrl" | "apiToken" | ServiceAppField;

/** Where each API error code lands in the Okta form (anything else is one toast with the request id). */
export const FIELD_OF_ERROR: Record<string, "instanceUrl" | "apiToken" | "name"> = {
  InvalidInstanceUrl: "instanceUrl",
  InvalidCredentials: "apiToken",
  Conflict: "name",
};

const DETAIL_PATHS: Record<string, AddField> = {
  "body.name": "name",
  "body.description": "description",
  "body.credentials.instanceUrl": "instanceUrl",
  "body.credentials.apiToken": "apiToken",
  ...SERVICE_APP_DETAIL_PATHS,
};

/**
 * The "Add Connection" side panel: a searchable app picker, then the Okta form. Closing it with
 * something typed asks first; success closes it, says so, and highlights the new row.
 */
export function createAddPanel(ctx: ConsoleContext) {
  const panel = byId<HTMLDialogElement>("add-panel");
  const appsStep = byId("add-step-apps");
  const formEl = byId<HTMLFormElement>("add-form");
  const appSearch = byId<HTMLInputElement>("app-search");
  const opener = byId("add-connection");
  let apps: { name: string; app: string }[] | undefined;

  // The method decides which credential fields show and count (contract section 9).
  const methodSelect = byId<HTMLSelectElement>("add-method");
  const method = () => methodSelect.value as Method;
  const serviceApp = serviceAppFields("add", rules(), () => method() === "client-credentials", () => form.refresh());
  const apiToken = byId<HTMLInputElement>("add-api-token");
  const form = new FormState<AddField>(
    {
      name: byId<HTMLInputElement>("add-name"),
      description: byId<HTMLTextAreaElement>("add-description"),
      instanceUrl: byId<HTMLInputElement>("add-instance-url"),
      apiToken,
      ...serviceApp.controls,
    },
    { ...ctx.checks, apiToken: (value) => (method() === "api-token" ? ctx.checks.apiToken(value) : undefined), ...serviceApp.checks },
    byId<HTMLButtonElement>("add-submit"),
  );
  const showMethod = () => {
    apiToken.closest<HTMLElement>(".field")!.hidden = method() !== "api-token";
    serviceApp.show(method() === "client-credentials");
    form.refresh();
  };
  methodSelect.addEventListener("change", showMethod);

  const dirty = () => !formEl.hidden && (Object.keys(form.controls) as AddField[]).some((key) => form.value(key) !== "");

  function renderApps() {
    const needle = appSearch.value.trim().toLowerCase();
    const list = byId("app-list");
    const shown = (apps ?? []).filter((app) => {
      const info = APP_INFO[app.app];
      return [app.name, app.app, info?.category ?? "", info?.blurb ?? ""].some((s) => s.toLowerCase().includes(needle));
    });
    list.replaceChildren(
      ...shown.map((app) => {
        const info = APP_INFO[app.app];
        const button = h(
          "button",
          { type: "button", class: "app-option", "data-app": app.app },
          h("img", { src: `/console/${app.app}.svg`, alt: "", width: 32, height: 32 }),
          h("span", { class: "app-option-text" }, h("strong", {}, app.name), h("span", { class: "hint" }, info ? `${info.category} — ${info.blurb}` : "")),
        );
        button.addEventListener("click", () => showForm());
        return h("li", {}, button);
      }),
    );
    byId("app-list-empty").hidden = shown.length > 0 || apps === undefined;
  }

  function showApps() {
    appsStep.hidden = false;
    formEl.hidden = true;
    appSearch.focus();
  }

  function showForm() {
    appsStep.hidden = true;
    formEl.hidden = false;
    const scope = ctx.scope();
    byId("add-scope").textContent = scope === null ? "Scope: Organization (every project can use it)" : `Scope: project ${scope}`;
    form.controls.name.focus();
  }

  async function open() {
    form.reset();
    serviceApp.forget();
    methodSelect.value = "api-token";
    showMethod();
    const token = form.controls.apiToken as HTMLInputElement;
    token.type = "password";
    appSearch.value = "";
    appsStep.hidden = false;
    formEl.hidden = true;
    openDialog(panel, { returnFocus: () => opener, beforeClose: () => (dirty() ? confirmDialog(byId("discard-dialog") as HTMLDialogElement, byId("discard-confirm") as HTMLButtonElement, byId("discard-keep") as HTMLButtonElement) : true) }, appSearch);
    renderApps();
    if (!apps) {
      try {
        apps = (await ctx.api.options()).appConnectionOptions;
      } catch (error) {
        toast(describeApiError(error), "error");
        apps = [];
      }
      renderApps();
    }
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (!form.valid() || form.busy) return;
    form.setBusy(true);
    const scope = ctx.scope();
    const description = form.value("description");
    try {
      const created = await ctx.api.create({
        name: form.value("name"),
        ...(description ? { description } : {}),
        ...(scope === null ? {} : { projectId: scope }),
        method: method(),
        credentials:
          method() === "api-token"
            ? { instanceUrl: form.value("instanceUrl").trim(), apiToken: form.value("apiToken") }
            : serviceApp.credentials(form.value("instanceUrl").trim()),
      });
      form.reset();
      serviceApp.forget();
      closeDialog(panel);
      toast("Successfully added Okta Connection", "success");
      ctx.wrote(created);
      await ctx.reload(created.id);
    } catch (error) {
      form.setBusy(false);
      const mapped = error instanceof ApiError ? FIELD_OF_ERROR[error.code] : undefined;
      const field = mapped === "apiToken" && method() === "client-credentials" ? "privateKey" : mapped;
      if (field) form.serverError(field, (error as ApiError).message);
      else if (!(error instanceof ApiError && mapDetails(form, error.details, DETAIL_PATHS))) toast(describeApiError(error), "error");
    }
  }

  /** The search box and the shown options form one list for the arrow keys; Enter in the box picks a lone match. */
  function onListKey(event: KeyboardEvent) {
    const options = [...byId("app-list").querySelectorAll<HTMLButtonElement>(".app-option")];
    const stops: HTMLElement[] = [appSearch, ...options];
    const at = stops.indexOf(document.activeElement as HTMLElement);
    if (at === -1) return;
    const move = (to: number) => {
      event.preventDefault();
      stops[Math.max(0, Math.min(stops.length - 1, to))]!.focus();
    };
    if (event.key === "ArrowDown") move(at + 1);
    else if (event.key === "ArrowUp") move(at - 1);
    else if (event.key === "Home" && at > 0) move(1);
    else if (event.key === "End" && at > 0) move(stops.length - 1);
    else if (event.key === "Enter" && at === 0) {
      event.preventDefault();
      if (options.length === 1) showForm();
    }
  }

  appSearch.addEventListener("input", renderApps);
  appsStep.addEventListener("keydown", onListKey);
  byId("add-back").addEventListener("click", showApps);
  formEl.addEventListener("submit", (event) => void submit(event));
  return { open };
}
