/** The demo org's people, for the proxy examples of the README. */
export const DEMO_USERS = [
  { id: "00udemo1", status: "ACTIVE", profile: { login: "ada.lovelace@example.com", firstName: "Ada", lastName: "Lovelace" } },
  { id: "00udemo2", status: "ACTIVE", profile: { login: "grace.hopper@example.com", firstName: "Grace", lastName: "Hopper" } },
  { id: "00udemo3", status: "STAGED", profile: { login: "alan.turing@example.com", firstName: "Alan", lastName: "Turing" } },
];

/**
 * `GET /api/v1/users?limit=&after=` as Okta pages it: at most `limit` users after the id `after`,
 * and a `link` header with absolute URLs, `rel="self"` and (while more follow) `rel="next"`.
 * Null for any other request.
 */
export function demoUsersPage(method: string | undefined, target: string, origin: string): { link: string; users: typeof DEMO_USERS } | null {
  const url = new URL(target, origin);
  if (method !== "GET" || url.pathname !== "/api/v1/users") return null;
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit")) || 200, 1), 200);
  const after = url.searchParams.get("after");
  const start = after ? DEMO_USERS.findIndex((u) => u.id === after) + 1 : 0;
  const users = DEMO_USERS.slice(start, start + limit);
  const links = [`<${origin}${target}>; rel="self"`];
  const last = users[users.length - 1];
  if (last && start + limit < DEMO_USERS.length) links.push(`<${origin}/api/v1/users?after=${last.id}&limit=${limit}>; rel="next"`);
  return { link: links.join(", "), users };
}
