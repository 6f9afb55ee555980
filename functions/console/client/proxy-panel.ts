import { ApiError, describeApiError, type AppConnection } from "./api";
import type { ConsoleContext } from "./context";
import { closeDialog, openDialog } from "./dialogs";
import { byId } from "./dom";
import { setFieldError } from "./fields";
import { reasonWhyNot } from "./session";
import { toast } from "./toast";

const MAX_SHOWN = 20_000;

/** Okta's JSON, indented; anything else as it came; long answers cut for the page. */
function shown(text: string): string {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show it as it came
  }
  return pretty.length > MAX_SHOWN ? `${pretty.slice(0, MAX_SHOWN)}\n… (${pretty.length - MAX_SHOWN} more characters)` : pretty;
}

/** The proxy dialog of one row: the policy (saved with If-Match) and a "Try it" GET. */
export function createProxyDialog(ctx: ConsoleContext) {
  const dialog = byId<HTMLDialogElement>("proxy-dialog");
  const rules = byId<HTMLTextAreaElement>("proxy-rules");
  const save = byId<HTMLButtonElement>("proxy-save");
  const alert = byId("proxy-alert");
  const tryPath = byId<HTMLInputElement>("proxy-try-path");
  const send = byId<HTMLButtonElement>("proxy-try-send");
  let current: AppConnection | undefined;

  const ruleLines = () => rules.value.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const changed = () => Boolean(current) && JSON.stringify(ruleLines()) !== JSON.stringify(current!.proxy.allow);
  const showReason = (id: string, reason: string | undefined) => {
    const el = byId(id);
    el.textContent = reason ?? "";
    el.hidden = !reason;
  };
  const refresh = () => (save.disabled = rules.readOnly || !changed() || save.getAttribute("aria-busy") === "true");
  rules.addEventListener("input", () => {
    setFieldError(rules, undefined);
    refresh();
  });

  byId<HTMLFormElement>("proxy-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || save.disabled) return;
    save.setAttribute("aria-busy", "true");
    refresh();
    try {
      const saved = await ctx.api.update(current.id, current.version, { proxy: { allow: ruleLines() } });
      current = saved;
      ctx.wrote(saved);
      rules.value = saved.proxy.allow.join("\n");
      alert.hidden = true;
      toast(`Saved the proxy policy of ${saved.name}`, "success");
      void ctx.reload();
    } catch (error) {
      if (error instanceof ApiError && error.code === "ValidationFailure") setFieldError(rules, error.message);
      else {
        alert.textContent = describeApiError(error);
        alert.hidden = false;
      }
    } finally {
      save.setAttribute("aria-busy", "false");
      refresh();
    }
  });

  byId<HTMLFormElement>("proxy-try-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || send.disabled) return;
    const path = tryPath.value.trim().replace(/^\/+/, "");
    const status = byId("proxy-try-status");
    const body = byId("proxy-try-body");
    byId("proxy-try-result").hidden = false;
    status.textContent = `GET /${path} …`;
    body.textContent = "";
    send.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`/api/v1/app-connections/okta/${encodeURIComponent(current.id)}/proxy/${path}`, {
        headers: { Accept: "application/json", Authorization: `Bearer ${ctx.session().token}` },
        cache: "no-store",
      });
      const from = response.headers.get("x-upstream") === "okta" ? "Okta answered" : "The service answered";
      status.textContent = `${from} ${response.status} ${response.statusText}`.trim();
      body.textContent = shown(await response.text());
    } catch {
      status.textContent = "Could not reach the server. Check your connection and try again.";
    } finally {
      send.setAttribute("aria-busy", "false");
    }
  });

  return {
    open(c: AppConnection) {
      current = c;
      const actor = ctx.session().actor;
      byId("proxy-name").textContent = c.name;
      rules.value = c.proxy.allow.join("\n");
      setFieldError(rules, undefined);
      alert.hidden = true;
      const cannotEdit = reasonWhyNot(actor, "manage", c.projectId);
      rules.readOnly = cannotEdit !== undefined;
      save.hidden = rules.readOnly;
      showReason("proxy-rules-reason", cannotEdit);
      const cannotUse = reasonWhyNot(actor, "use", c.projectId);
      send.disabled = cannotUse !== undefined;
      showReason("proxy-try-reason", cannotUse);
      byId("proxy-try-result").hidden = true;
      refresh();
      openDialog(dialog, { returnFocus: () => ctx.table.menuButton(c.id) }, rules.readOnly ? tryPath : rules);
    },
    close: () => closeDialog(dialog),
  };
}
