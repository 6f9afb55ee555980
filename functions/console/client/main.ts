import { createAddPanel } from "./add-panel";
import { ApiError, createApi, describeApiError, type AppConnection } from "./api";
import type { ConsoleContext } from "./context";
import { closeDialog } from "./dialogs";
import { byId, h, isAriaDisabled, setDisabledReason } from "./dom";
import { checks, rules, setFieldError, wireSecretToggles } from "./fields";
import { createRowDialogs } from "./manage";
import { createProxyDialog } from "./proxy-panel";
import { closeMenu, openMenu, wireMenu } from "./menu";
import {
  clearSession,
  reasonWhyNot,
  recentProjects,
  rememberProject,
  sessionFromToken,
  shortReasonWhyNot,
  storedScope,
  storedToken,
  storeScope,
  storeToken,
  takeTokenFromFragment,
  type Session,
} from "./session";
import { ConnectionsTable } from "./table";
import { toast } from "./toast";

const ORG_SCOPE = "org";

// First thing: a token in the fragment goes to sessionStorage and leaves the address bar.
takeTokenFromFragment();

let session: Session | undefined;
const knownProjects = new Set<string>();
let loadSeq = 0;

const api = createApi(() => session?.token, (message) => signOut(`Your session ended: ${message} Sign in again.`));
const scopeSelect = byId<HTMLSelectElement>("scope-select");
const currentScope = () => (scopeSelect.value === ORG_SCOPE || scopeSelect.value === "" ? null : scopeSelect.value.slice("project:".length));

const table = new ConnectionsTable({
  onMenu: (button, connection) => openRowMenu(button, connection),
  // Also drawn by the reset on sign-out, when there is no session any more.
  emptyHint: () =>
    !session || reasonWhyNot(session.actor, "manage", currentScope())
      ? "Ask an admin of this scope to add one."
      : "Add Connection stores an Okta org's URL and API token, checked with Okta and encrypted.",
});

const ctx: ConsoleContext = {
  api,
  session: () => session!,
  scope: currentScope,
  table,
  reload,
  wrote,
  checks: checks(rules()),
};
const addPanel = createAddPanel(ctx);
const rowDialogs = createRowDialogs(ctx);
const proxyDialog = createProxyDialog(ctx);

function openRowMenu(button: HTMLButtonElement, row: AppConnection) {
  const actor = session!.actor;
  // A row drawn before the reload that follows a save finished still shows the old version;
  // the dialogs must send If-Match with the one this page wrote.
  const c = latest(row);
  const manage = shortReasonWhyNot(actor, "manage", c.projectId);
  openMenu(button, [
    { label: "Copy connection ID", run: () => void copyId(c) },
    { label: "Edit details", reason: manage, run: () => rowDialogs.editDetails(c) },
    { label: "Edit credentials", reason: manage, run: () => rowDialogs.editCredentials(c) },
    { label: "Validate now", reason: shortReasonWhyNot(actor, "use", c.projectId), run: () => rowDialogs.validate(c) },
    { label: "Proxy policy and Try it", run: () => proxyDialog.open(c) },
    { label: "Delete", reason: manage, danger: true, run: () => rowDialogs.remove(c) },
  ]);
}

async function copyId(c: AppConnection) {
  try {
    await navigator.clipboard.writeText(c.id);
    toast(`Copied the ID of ${c.name} to the clipboard`, "success");
  } catch {
    toast(`Could not use the clipboard. The ID of ${c.name} is ${c.id}`, "info");
  }
}

/** This page's own recent writes, by id (null: deleted), overlaid on lists for a short while. */
const recentWrites = new Map<string, { connection: AppConnection | null; at: number }>();
const RECENT_MS = 30_000;

function wrote(change: AppConnection | { deletedId: string }) {
  if ("deletedId" in change) recentWrites.set(change.deletedId, { connection: null, at: Date.now() });
  else recentWrites.set(change.id, { connection: change, at: Date.now() });
}

/** The freshest copy of a connection this page knows: the listed one, or its own newer write. */
function latest(c: AppConnection): AppConnection {
  const mine = recentWrites.get(c.id)?.connection;
  return mine && mine.version > c.version ? mine : c;
}

function withRecentWrites(list: AppConnection[], scope: string | null): AppConnection[] {
  for (const [id, entry] of recentWrites) if (Date.now() - entry.at > RECENT_MS) recentWrites.delete(id);
  const listed = new Set(list.map((c) => c.id));
  const missing = [...recentWrites.values()]
    .map((entry) => entry.connection)
    .filter((c): c is AppConnection => c !== null && !listed.has(c.id) && (scope === null || c.projectId === scope));
  const merged = [...list, ...missing]
    .filter((c) => !(recentWrites.has(c.id) && recentWrites.get(c.id)!.connection === null))
    .map(latest);
  return merged;
}

async function reload(highlightId?: string) {
  const seq = ++loadSeq;
  const scope = currentScope();
  table.setLoading();
  try {
    const all = withRecentWrites(await api.listAll(scope), scope);
    if (seq !== loadSeq) return;
    for (const c of all) if (c.projectId !== null) knownProjects.add(c.projectId);
    renderScopes();
    table.setItems(scope === null ? all.filter((c) => c.projectId === null) : all, highlightId);
    if (highlightId) table.menuButton(highlightId)?.closest("tr")?.scrollIntoView({ block: "nearest" });
  } catch (error) {
    if (seq !== loadSeq) return;
    table.setItems([]);
    if (!(error instanceof ApiError && error.status === 401)) toast(`Could not load connections: ${describeApiError(error)}`, "error");
  }
}

/**
 * "Organization" plus the token's projects and, for org admins, projects seen in the list, opened
 * by id before (recent ones) and the one chosen in this tab, so a reload keeps it.
 */
function renderScopes(selected = scopeSelect.value || storedScope() || defaultScope()) {
  const actor = session!.actor;
  const opened = actor.orgRole === "admin" ? recentProjects(actor.orgId) : [];
  const chosen = actor.orgRole === "admin" && selected.startsWith("project:") ? [selected.slice("project:".length)] : [];
  const projects = [...new Set([...Object.keys(actor.projects), ...knownProjects, ...opened, ...chosen])].sort();
  scopeSelect.replaceChildren(
    h("option", { value: ORG_SCOPE }, "Organization"),
    ...projects.map((id) => h("option", { value: `project:${id}` }, `Project: ${id}`)),
  );
  scopeSelect.value = [...scopeSelect.options].some((o) => o.value === selected) ? selected : ORG_SCOPE;
  byId("recent-projects").replaceChildren(...opened.map((id) => h("option", { value: id })));
}

function chooseScope(value: string) {
  scopeSelect.value = value;
  storeScope(value);
  applyScope();
  table.reset();
  void reload();
}

/** An org admin may open any project by typing its id (the token names only some, the list only those with connections). */
function openProject(event: SubmitEvent) {
  event.preventDefault();
  const input = byId<HTMLInputElement>("project-input");
  const id = input.value.trim();
  const problem = ctx.checks.projectId(id);
  if (problem) {
    setFieldError(input, problem);
    return input.focus();
  }
  setFieldError(input, undefined);
  input.value = "";
  rememberProject(session!.actor.orgId, id);
  renderScopes(`project:${id}`);
  chooseScope(`project:${id}`);
}

/** Org admins start at the organization; everyone else in their first project. */
function defaultScope() {
  const first = Object.keys(session!.actor.projects).sort()[0];
  return session!.actor.orgRole === "admin" || !first ? ORG_SCOPE : `project:${first}`;
}

function applyScope() {
  const actor = session!.actor;
  const scope = currentScope();
  const role = scope === null ? `org ${actor.orgRole}` : actor.orgRole === "admin" ? "org admin" : (actor.projects[scope] ?? "no role");
  byId("scope-lede").textContent =
    scope === null ? `Organization-level Okta connections of ${actor.orgId} (you: ${role}).` : `Okta connections of project ${scope} (you: ${role}).`;
  setDisabledReason(byId("add-connection"), byId("add-reason"), reasonWhyNot(actor, "manage", scope));
}

function enter(next: Session) {
  session = next;
  knownProjects.clear();
  byId("signin-view").hidden = true;
  byId("connections-view").hidden = false;
  byId("session-bar").hidden = false;
  const actor = next.actor;
  byId("whoami").textContent = `${actor.id} · ${actor.orgId} (org ${actor.orgRole})`;
  byId("project-form").hidden = actor.orgRole !== "admin";
  scopeSelect.value = "";
  renderScopes();
  applyScope();
  void reload();
}

function signOut(message?: string) {
  session = undefined;
  loadSeq++; // a list still loading must not render for nobody
  clearSession();
  closeMenu(false);
  for (const dialog of document.querySelectorAll<HTMLDialogElement>("dialog[open]")) closeDialog(dialog);
  table.reset();
  byId("rows").replaceChildren();
  byId("connections-view").hidden = true;
  byId("session-bar").hidden = true;
  byId("signin-view").hidden = false;
  const alert = byId("signin-alert");
  alert.textContent = message ?? "";
  alert.hidden = !message;
  byId<HTMLInputElement>("signin-token").value = "";
  byId("signin-token").focus();
}

async function signIn(event: SubmitEvent) {
  event.preventDefault();
  const input = byId<HTMLInputElement>("signin-token");
  const token = input.value.trim().replace(/^Bearer\s+/i, "");
  let candidate: Session;
  try {
    candidate = sessionFromToken(token);
  } catch (error) {
    setFieldError(input, (error as Error).message);
    return input.focus();
  }
  // Ask the server: the page cannot check the signature itself.
  const probe = createApi(() => token, () => undefined);
  try {
    await probe.options();
  } catch (error) {
    setFieldError(input, error instanceof ApiError && error.status === 401 ? `The server refused this token: ${error.message}` : describeApiError(error));
    return input.focus();
  }
  setFieldError(input, undefined);
  storeToken(token);
  byId("signin-alert").hidden = true;
  enter(candidate);
  byId("page-title").focus();
}

function boot() {
  wireMenu();
  wireSecretToggles();
  byId("page-title").tabIndex = -1;
  byId<HTMLFormElement>("signin-form").addEventListener("submit", (event) => void signIn(event));
  byId("signin-token").addEventListener("input", (event) => setFieldError(event.target as HTMLInputElement, undefined));
  byId("sign-out").addEventListener("click", () => {
    signOut();
    toast("Signed out. The token was removed from this tab.", "info");
  });
  scopeSelect.addEventListener("change", () => chooseScope(scopeSelect.value));
  byId<HTMLFormElement>("project-form").addEventListener("submit", openProject);
  byId("project-input").addEventListener("input", (event) => setFieldError(event.target as HTMLInputElement, undefined));
  const add = byId("add-connection");
  add.addEventListener("click", () => {
    if (isAriaDisabled(add)) return toast(byId("add-reason").textContent ?? "", "info");
    void addPanel.open();
  });

  const token = storedToken();
  if (!token) return signOut();
  try {
    enter(sessionFromToken(token));
  } catch (error) {
    signOut((error as Error).message);
  }
}

boot();
