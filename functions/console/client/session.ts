import type { Actor } from "../../core/connections/model";
import { isAllowed, type ConnectionAction } from "../../core/connections/permissions";

/**
 * The bearer token lives in sessionStorage only: this tab, until sign-out or the tab closes.
 * It never goes into a URL the server sees; the one-click link carries it in the fragment
 * (`#token=...`), which browsers do not send, and the page removes it at once.
 */
const TOKEN_KEY = "oac.token";
const SCOPE_KEY = "oac.scope";

type Role = "admin" | "member" | "viewer";
export type UserActor = Extract<Actor, { type: "user" }>;

export interface Session {
  token: string;
  actor: UserActor;
  expiresAt: number;
}

/** Moves `#token=...` into sessionStorage and strips the fragment from the address bar and history. */
export function takeTokenFromFragment(): void {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (!match) return;
  history.replaceState(history.state, "", location.pathname + location.search);
  const token = decodeURIComponent(match[1] ?? "").trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
}

function base64UrlJson(part: string): unknown {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Reads the claims the UI needs (who, which org, which roles). The server verifies the signature
 * on every call; the page only uses the claims to decide what to offer.
 */
export function sessionFromToken(token: string): Session {
  const parts = token.split(".");
  let claims: Record<string, unknown>;
  try {
    if (parts.length !== 3) throw new Error();
    claims = base64UrlJson(parts[1]!) as Record<string, unknown>;
    if (typeof claims !== "object" || claims === null) throw new Error();
  } catch {
    throw new Error("That is not a bearer token: expected a JWT (three dot-separated parts).");
  }
  const { sub, org_id, exp } = claims;
  if (typeof sub !== "string" || typeof org_id !== "string" || typeof exp !== "number") {
    throw new Error("This token lacks the sub, org_id or exp claim.");
  }
  if (exp * 1000 <= Date.now()) throw new Error("This token has expired. Get a new one and sign in again.");
  const orgRole = claims.org_role === "admin" ? "admin" : "member";
  const projects: Record<string, Role> = {};
  if (typeof claims.projects === "object" && claims.projects !== null) {
    for (const [id, role] of Object.entries(claims.projects)) {
      if (role === "admin" || role === "member" || role === "viewer") projects[id] = role;
    }
  }
  return { token, actor: { type: "user", id: sub, orgId: org_id, orgRole, projects }, expiresAt: exp * 1000 };
}

export const storedToken = () => sessionStorage.getItem(TOKEN_KEY) ?? undefined;
export const storeToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const storedScope = () => sessionStorage.getItem(SCOPE_KEY) ?? undefined;
export const storeScope = (scope: string) => sessionStorage.setItem(SCOPE_KEY, scope);

/**
 * Projects an org admin opened by id, most recent first, per org: in localStorage, so they outlive
 * the tab (they are ids, not secrets). Signing out keeps them; the token is what must go.
 */
const RECENT_PROJECTS_MAX = 8;
const recentKey = (orgId: string) => `oac.recentProjects.${orgId}`;

export function recentProjects(orgId: string): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(recentKey(orgId)) ?? "[]") as unknown;
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

export function rememberProject(orgId: string, projectId: string) {
  const next = [projectId, ...recentProjects(orgId).filter((id) => id !== projectId)].slice(0, RECENT_PROJECTS_MAX);
  localStorage.setItem(recentKey(orgId), JSON.stringify(next));
}

/** Signing out forgets everything this tab kept. */
export function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(SCOPE_KEY);
}

/** The same rule the API applies (functions/core/connections/permissions.ts). */
export const can = (actor: UserActor, action: ConnectionAction, projectId: string | null) => isAllowed(actor, action, projectId);

const ACTION_WORDS: Record<ConnectionAction, string> = {
  read: "view connections",
  use: "validate connections",
  manage: "add, edit or delete connections",
  "read-audit": "read the audit log",
};

/** Why an action is not offered, in words a user can act on; undefined when it is allowed. */
export function reasonWhyNot(actor: UserActor, action: ConnectionAction, projectId: string | null): string | undefined {
  if (can(actor, action, projectId)) return undefined;
  const what = ACTION_WORDS[action];
  if (projectId === null) return `Only org admins can ${what} at the organization level; your org role is ${actor.orgRole}.`;
  const role = Object.hasOwn(actor.projects, projectId) ? actor.projects[projectId] : undefined;
  const who = action === "use" ? "project members, project admins and org admins" : "project admins and org admins";
  return role
    ? `Your role in project ${projectId} is ${role}: only ${who} can ${what}.`
    : `You have no role in project ${projectId}: only ${who} can ${what}.`;
}

/** The same refusal in a few words, for a menu item (the full reason is in the page header). */
export function shortReasonWhyNot(actor: UserActor, action: ConnectionAction, projectId: string | null): string | undefined {
  if (can(actor, action, projectId)) return undefined;
  if (projectId === null) return "Org admins only";
  return action === "use" ? "Project members, project admins and org admins only" : "Project admins and org admins only";
}
