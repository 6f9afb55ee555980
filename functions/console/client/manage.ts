import { ApiError, describeApiError, type AppConnection } from "./api";
import type { ConsoleContext } from "./context";
import { closeDialog, openDialog } from "./dialogs";
import { byId, formatDateTime, h } from "./dom";
import { FormState, mapDetails, rules } from "./fields";
import { serviceAppFields } from "./service-app";
import { toast } from "./toast";

export const STALE_MESSAGE = "This connection was changed by someone else — reload to get the latest version, then make your change again.";

/** The dialog-level alert: a message, the request id when there is one, and an optional action. */
function showAlert(alert: HTMLElement, message: string | undefined, action?: { label: string; run: () => void }) {
  alert.hidden = !message;
  if (!message) return alert.replaceChildren();
  const button = action ? h("button", { type: "button", class: "btn btn-sm btn-ghost" }, action.label) : null;
  button?.addEventListener("click", action!.run);
  alert.replaceChildren(h("p", {}, message), ...(button ? [button] : []));
}

/** Edit details, edit credentials, delete and validate for one row; focus returns to its menu button. */
export function createRowDialogs(ctx: ConsoleContext) {
  let current: AppConnection | undefined;
  const back = () => (current ? ctx.table.menuButton(current.id) : null) ?? byId("add-connection");

  /** A 412 says which version the server has now: offer to load it into the form. */
  function staleAlert(alert: HTMLElement, refill: (fresh: AppConnection) => void) {
    showAlert(alert, STALE_MESSAGE, {
      label: "Reload",
      run: async () => {
        try {
          current = await ctx.api.get(current!.id);
          refill(current);
          showAlert(alert, undefined);
          void ctx.reload();
        } catch (error) {
          showAlert(alert, describeApiError(error));
        }
      },
    });
  }

  // Edit details: name and description, If-Match with the version the user saw.
  const details = byId<HTMLDialogElement>("details-dialog");
  const detailsAlert = byId("details-alert");
  const detailsForm: FormState<"name" | "description"> = new FormState(
    { name: byId<HTMLInputElement>("details-name"), description: byId<HTMLTextAreaElement>("details-description") },
    { name: ctx.checks.name, description: ctx.checks.description },
    byId<HTMLButtonElement>("details-submit"),
    () => Boolean(current) && (detailsForm.value("name") !== current!.name || detailsForm.value("description") !== (current!.description ?? "")),
  );
  const fillDetails = (c: AppConnection) => detailsForm.reset({ name: c.name, description: c.description ?? "" });

  byId<HTMLFormElement>("details-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || !detailsForm.valid() || detailsForm.busy) return;
    const body: { name?: string; description?: string | null } = {};
    if (detailsForm.value("name") !== current.name) body.name = detailsForm.value("name");
    const description = detailsForm.value("description");
    if (description !== (current.description ?? "")) body.description = description === "" ? null : description;
    detailsForm.setBusy(true);
    try {
      const saved = await ctx.api.update(current.id, current.version, body);
      current = saved;
      ctx.wrote(saved);
      closeDialog(details);
      toast(`Saved ${saved.name}`, "success");
      await ctx.reload();
      back()?.focus();
    } catch (error) {
      detailsForm.setBusy(false);
      if (error instanceof ApiError && error.code === "PreconditionFailed") staleAlert(detailsAlert, fillDetails);
      else if (error instanceof ApiError && error.code === "Conflict") detailsForm.serverError("name", error.message);
      else if (!(error instanceof ApiError && mapDetails(detailsForm, error.details, { "body.name": "name", "body.description": "description" })))
        showAlert(detailsAlert, describeApiError(error));
    }
  });

  // Edit credentials of the connection's method: instance URL (and a service app's client id and
  // scopes) prefilled, a new token or private key required.
  const credentials = byId<HTMLDialogElement>("credentials-dialog");
  const credentialsAlert = byId("credentials-alert");
  const isServiceApp = () => current?.method === "client-credentials";
  const serviceApp = serviceAppFields("credentials", rules(), isServiceApp, () => credentialsForm.refresh());
  const credentialsToken = byId<HTMLInputElement>("credentials-api-token");
  const credentialsForm = new FormState(
    { instanceUrl: byId<HTMLInputElement>("credentials-instance-url"), apiToken: credentialsToken, ...serviceApp.controls },
    { instanceUrl: ctx.checks.instanceUrl, apiToken: (value: string) => (isServiceApp() ? undefined : ctx.checks.apiToken(value)), ...serviceApp.checks },
    byId<HTMLButtonElement>("credentials-submit"),
  );
  const fillCredentials = (c: AppConnection) => {
    const app = "clientId" in c.credentials ? c.credentials : undefined;
    serviceApp.forget();
    credentialsForm.reset({ instanceUrl: c.credentials.instanceUrl, clientId: app?.clientId ?? "", scopes: app?.scopes.join(" ") ?? "" });
    credentialsToken.closest<HTMLElement>(".field")!.hidden = isServiceApp();
    serviceApp.show(isServiceApp());
  };
  const credentialsBody = () => {
    const instanceUrl = credentialsForm.value("instanceUrl").trim();
    return isServiceApp() ? serviceApp.credentials(instanceUrl) : { instanceUrl, apiToken: credentialsForm.value("apiToken") };
  };

  byId<HTMLFormElement>("credentials-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || !credentialsForm.valid() || credentialsForm.busy) return;
    credentialsForm.setBusy(true);
    try {
      const saved = await ctx.api.update(current.id, current.version, { credentials: credentialsBody() });
      current = saved;
      ctx.wrote(saved);
      credentialsForm.reset();
      serviceApp.forget();
      closeDialog(credentials);
      toast(`Updated the credentials of ${saved.name}`, "success");
      await ctx.reload();
      back()?.focus();
    } catch (error) {
      credentialsForm.setBusy(false);
      const code = error instanceof ApiError ? error.code : "";
      if (code === "PreconditionFailed") staleAlert(credentialsAlert, (fresh) => credentialsForm.controls.instanceUrl.value = fresh.credentials.instanceUrl);
      else if (code === "InvalidInstanceUrl") credentialsForm.serverError("instanceUrl", (error as ApiError).message);
      else if (code === "InvalidCredentials") credentialsForm.serverError(isServiceApp() ? "privateKey" : "apiToken", (error as ApiError).message);
      else showAlert(credentialsAlert, describeApiError(error));
    }
  });

  // Delete: type the name to confirm; errors stay in the dialog.
  const remove = byId<HTMLDialogElement>("delete-dialog");
  const removeAlert = byId("delete-alert");
  const confirmInput = byId<HTMLInputElement>("delete-confirm");
  const removeButton = byId<HTMLButtonElement>("delete-submit");
  const refreshDelete = () => (removeButton.disabled = !current || confirmInput.value !== current.name || removeButton.getAttribute("aria-busy") === "true");
  confirmInput.addEventListener("input", refreshDelete);

  byId<HTMLFormElement>("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    refreshDelete();
    if (!current || removeButton.disabled) return;
    const gone = current;
    removeButton.setAttribute("aria-busy", "true");
    refreshDelete();
    try {
      await ctx.api.remove(gone.id, gone.version);
      ctx.wrote({ deletedId: gone.id });
      closeDialog(remove);
      toast(`Deleted ${gone.name}`, "success");
      await ctx.reload();
      byId("add-connection").focus();
    } catch (error) {
      if (error instanceof ApiError && error.code === "PreconditionFailed") staleAlert(removeAlert, () => undefined);
      else showAlert(removeAlert, describeApiError(error));
    } finally {
      removeButton.setAttribute("aria-busy", "false");
      refreshDelete();
    }
  });

  // Validate now: Okta's answer (or reason) and when it was checked.
  const validate = byId<HTMLDialogElement>("validate-dialog");
  const result = byId("validate-result");

  async function runValidate(c: AppConnection) {
    result.setAttribute("aria-busy", "true");
    result.replaceChildren(h("p", { class: "hint" }, `Checking ${c.name} with Okta…`));
    try {
      const answer = await ctx.api.validate(c.id);
      const when = h("p", { class: "hint" }, "Checked at ", h("time", { datetime: answer.checkedAt }, formatDateTime(answer.checkedAt)));
      result.replaceChildren(
        answer.valid
          ? h("p", { class: "status status-valid" }, h("span", { class: "status-dot", "aria-hidden": "true" }), "Valid — Okta accepted the stored token.")
          : h("p", { class: "status status-invalid" }, h("span", { class: "status-dot", "aria-hidden": "true" }), `Invalid — ${answer.error?.message ?? "Okta refused the stored token."}`),
        ...(answer.error ? [h("p", { class: "hint" }, `Error code: ${answer.error.error}`)] : []),
        when,
      );
    } catch (error) {
      result.replaceChildren(h("p", { class: "status status-invalid" }, describeApiError(error)));
    } finally {
      result.setAttribute("aria-busy", "false");
    }
    // The check was recorded as the connection's health: show it in its row.
    await ctx.reload();
  }

  return {
    editDetails(c: AppConnection) {
      current = c;
      fillDetails(c);
      showAlert(detailsAlert, undefined);
      openDialog(details, { returnFocus: back }, detailsForm.controls.name);
    },
    editCredentials(c: AppConnection) {
      current = c;
      fillCredentials(c);
      credentialsForm.controls.apiToken.setAttribute("type", "password");
      showAlert(credentialsAlert, undefined);
      const first = isServiceApp() ? credentialsForm.controls.privateKey : credentialsForm.controls.apiToken;
      openDialog(credentials, { returnFocus: back, onClose: () => (credentialsForm.reset(), serviceApp.forget()) }, first);
    },
    remove(c: AppConnection) {
      current = c;
      byId("delete-name").textContent = c.name;
      confirmInput.value = "";
      confirmInput.placeholder = c.name;
      showAlert(removeAlert, undefined);
      refreshDelete();
      openDialog(remove, { returnFocus: back }, confirmInput);
    },
    validate(c: AppConnection) {
      current = c;
      openDialog(validate, { returnFocus: back }, validate.querySelector<HTMLElement>("[data-close].btn"));
      void runValidate(c);
    },
  };
}
