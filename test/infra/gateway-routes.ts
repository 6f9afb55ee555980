/**
 * API Gateway HTTP API route selection, enough to ask "which route would serve this request":
 * exact paths beat paths with `{variables}`, which beat greedy `{proxy+}` paths (the longest
 * prefix first); a method beats ANY; `$default` catches the rest.
 */
/** `/` is no segment; `/a/b` is two. */
const pathSegments = (path: string) =>
  path
    .split("?")[0]!
    .split("/")
    .filter((s) => s !== "");

export interface RouteKey {
  method: string;
  segments: string[];
  raw: string;
}

export function parseRouteKey(raw: string): RouteKey {
  if (raw === "$default") return { method: "ANY", segments: ["{proxy+}"], raw };
  const [method, path] = raw.split(" ");
  if (!method || !path?.startsWith("/")) throw new Error(`Not an HTTP API route key: ${raw}`);
  return { method, segments: pathSegments(path), raw };
}

const isVariable = (segment: string) => /^\{[^}+]+\}$/.test(segment);
const isGreedy = (segment: string) => /^\{[^}]+\+\}$/.test(segment);

function matches(route: RouteKey, method: string, segments: string[]): boolean {
  if (route.method !== "ANY" && route.method !== method) return false;
  for (let i = 0; i < route.segments.length; i++) {
    const want = route.segments[i]!;
    if (isGreedy(want)) return i === route.segments.length - 1 && segments.length > i;
    const got = segments[i];
    if (got === undefined) return false;
    if (!isVariable(want) && want !== got) return false;
  }
  return segments.length === route.segments.length;
}

/** Lower sorts first: literal paths, then variables, then greedy by longest prefix; methods before ANY. */
function rank(route: RouteKey): number[] {
  const greedy = route.segments.some(isGreedy);
  const variables = route.segments.filter(isVariable).length;
  const literalPrefix = route.segments.findIndex((s) => isGreedy(s) || isVariable(s));
  return [
    route.raw === "$default" ? 3 : greedy ? 2 : variables > 0 ? 1 : 0,
    greedy ? -literalPrefix : variables,
    route.method === "ANY" ? 1 : 0,
  ];
}

const compare = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc || v - b[i]!, 0);

/** The route key that would serve `METHOD path`, or undefined (API Gateway's 404). */
export function selectRoute(routeKeys: string[], method: string, path: string): string | undefined {
  const segments = pathSegments(path);
  return routeKeys
    .map(parseRouteKey)
    .filter((route) => matches(route, method, segments))
    .sort((a, b) => compare(rank(a), rank(b)))[0]?.raw;
}

/** A concrete request path for a Hono route pattern: `:param` and `*` become sample segments. */
export const samplePath = (honoPath: string) => honoPath.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?\??/g, "sample-1").replace(/\*/g, "sample-1");
