import type { Actor } from "./model";

/** What an actor wants to do with connections of one scope (`projectId`, or `null` for org-level). */
export type ConnectionAction = "read" | "use" | "manage" | "read-audit";

/**
 * The contract's role table (section 3) as one pure function.
 *
 * | action | project connection                  | org-level connection |
 * | read   | project viewer/member/admin; org admin | any org member    |
 * | use    | project member/admin; org admin        | any org member    |
 * | manage | project admin; org admin               | org admin         |
 * Audit events are readable by project admins (their project) and org admins.
 */
export function isAllowed(actor: Actor, action: ConnectionAction, projectId: string | null): boolean {
  if (actor.type === "provisioning") return true;
  if (actor.orgRole === "admin") return true;
  if (projectId === null) return action === "read" || action === "use";
  const role = Object.hasOwn(actor.projects, projectId) ? actor.projects[projectId] : undefined;
  if (role === undefined) return false;
  if (action === "read") return true;
  if (action === "use") return role === "member" || role === "admin";
  return role === "admin";
}

/** Projects whose connections the actor may list without naming a project. */
export function readableProjects(actor: Actor): string[] | "all" {
  if (actor.type === "provisioning" || actor.orgRole === "admin") return "all";
  return Object.keys(actor.projects).sort();
}
