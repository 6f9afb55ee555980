import type * as z from "zod/mini";

/**
 * zod's issues → messages that name the field and the rule ("body.foo is not allowed", "specVersion
 * must be 1"), for the API edge and for provisioning messages alike. Driven by issue codes, so new
 * fields and methods get the same wording. Never echoes a value (it could be a token): only field
 * names, allowed values and limits, which come from the schema.
 */
export interface FieldIssue {
  /** Dotted path from the root, e.g. `body.credentials.apiToken`. */
  path: string;
  /** The rule, naming the field by its own name (`apiToken must ...`): what a form shows beside it. */
  message: string;
}

export type Explained<T> = { success: true; data: T } | { success: false; issues: FieldIssue[]; message: string };

/** How the root is named: `{ whole: "body", prefix: "body" }` at the API, `{ whole: "the message" }` for provisioning. */
export interface Root {
  whole: string;
  prefix?: string;
}

type RawIssue = z.core.$ZodRawIssue;

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const TYPE_NAMES: Record<string, string> = { int: "integer" };
const list = (values: readonly unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
const allowed = (values: readonly unknown[]) => (values.length === 1 ? `must be ${list(values)}` : `must be one of: ${list(values)}`);
const unit = (origin: string) => (origin === "string" ? " characters" : origin === "array" || origin === "set" ? " items" : "");

/** The rule an issue without a schema-given message broke, as a predicate ("must be a string"). */
function rule(issue: RawIssue, atRoot: boolean): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "never") return "is not allowed";
      if (issue.input === undefined) return "is required";
      if (issue.expected === "object") return atRoot ? "must be a JSON object" : "must be an object";
      return `must be ${issue.expected === "null" ? "null" : article(TYPE_NAMES[issue.expected] ?? issue.expected)}`;
    case "invalid_value":
      return allowed(issue.values);
    case "invalid_union":
      return "options" in issue && Array.isArray(issue.options) ? allowed(issue.options) : "matches none of the allowed shapes";
    case "too_big":
      return `must be at most ${issue.maximum}${unit(issue.origin)}`;
    case "too_small":
      return issue.origin === "string" && Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${issue.minimum}${unit(issue.origin)}`;
    case "invalid_format":
      return issue.format === "regex" ? "is not in the expected format" : `must be ${article(issue.format === "uuid" ? "UUID" : `valid ${issue.format}`)}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_key":
      return "has an invalid key";
    case "invalid_element":
      return "has an invalid item";
    default:
      return "is invalid";
  }
}

const nameOf = (path: PropertyKey[], root: Root) => (path.length === 0 ? root.whole : String(path[path.length - 1]));
const fullName = (path: PropertyKey[], root: Root) =>
  path.length === 0 ? root.whole : [...(root.prefix ? [root.prefix] : []), ...path.map(String)].join(".");

/** `name must ...` → `body.name must ...`: a message that starts with the field's own name gets its full path. */
function withFullName(message: string, path: PropertyKey[], root: Root): string {
  const own = nameOf(path, root);
  return message.startsWith(`${own} `) ? `${fullName(path, root)}${message.slice(own.length)}` : message;
}

/** Hand-written parsers of the commonest valid input of a schema: `undefined` leaves the input to zod. */
const plainParsers = new WeakMap<z.ZodMiniType, (input: unknown) => unknown>();

/**
 * `schema`, parsed by `parse` first where the input is what `parse` knows (it must accept only
 * what the schema accepts, and answer what the schema would); zod parses the rest and words the
 * refusals. For a schema every request of a route parses, such as the connection id.
 */
export function withPlainParse<S extends z.ZodMiniType>(schema: S, parse: (input: unknown) => z.output<S> | undefined): S {
  plainParsers.set(schema, parse);
  return schema;
}

/** An object as JSON.parse makes them: what a plain parser reads (anything else is left to zod). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** The plain parser's answer, when the schema has one and it knows the input. */
function parsedPlainly<S extends z.ZodMiniType>(schema: S, value: unknown): { success: true; data: z.output<S> } | undefined {
  const data = plainParsers.get(schema)?.(value) as z.output<S> | undefined;
  return data === undefined ? undefined : { success: true, data };
}

/**
 * Parses `value` with `schema`; on failure, one FieldIssue per broken rule (one per unknown key) and a
 * one-line message of them all. A missing key under an object that has a check of its own (such as
 * "credentials must send both ...") is left to that check. Async: a service app's private key is
 * checked with WebCrypto (jose) during the parse.
 *
 * Valid input, the usual case, is parsed once and plainly; only refused input is parsed again with
 * the error map that words its messages (zod builds no message while it passes, and the map and
 * its bookkeeping made a valid parse two to three times slower). Schemas are pure, so the second
 * parse finds the same issues.
 */
export async function parseExplained<S extends z.ZodMiniType>(schema: S, value: unknown, root: Root): Promise<Explained<z.output<S>>> {
  const quick = parsedPlainly(schema, value);
  if (quick) return quick;
  const plain = await schema.safeParseAsync(value);
  if (plain.success) return plain;
  const missing = new Set<string>();
  return explained(await schema.safeParseAsync(value, { error: messageOf(root, missing) }), root, missing);
}

/** The same for schemas without async checks (query strings, path parameters): no promise per parse. */
export function parseExplainedSync<S extends z.ZodMiniType>(schema: S, value: unknown, root: Root): Explained<z.output<S>> {
  const quick = parsedPlainly(schema, value);
  if (quick) return quick;
  const plain = schema.safeParse(value);
  if (plain.success) return plain;
  const missing = new Set<string>();
  return explained(schema.safeParse(value, { error: messageOf(root, missing) }), root, missing);
}

/** zod's error map: each issue's message, noting which paths were missing. */
const messageOf = (root: Root, missing: Set<string>) => (issue: RawIssue) => {
  const path = issue.path ?? [];
  if (issue.code === "invalid_type" && issue.input === undefined) missing.add(path.join("."));
  return `${nameOf(path, root)} ${rule(issue, path.length === 0)}`;
};

function explained<T>(result: z.core.util.SafeParseResult<T>, root: Root, missing: Set<string>): Explained<T> {
  if (result.success) return { success: true, data: result.data };
  const raw = result.error.issues;
  const checked = new Set(raw.filter((i) => i.code === "custom").map((i) => i.path.join(".")));
  const speaksFor = (path: PropertyKey[]) => path.slice(0, -1).some((_, n) => checked.has(path.slice(0, n + 1).join(".")));
  const issues: { path: PropertyKey[]; message: string }[] = raw.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: [...issue.path, key], message: `${key} is not allowed` }));
    if (missing.has(issue.path.join(".")) && speaksFor(issue.path)) return [];
    return [{ path: issue.path, message: issue.message }];
  });
  const message = [...new Set(issues.map((i) => withFullName(i.message, i.path, root)))].join("; ");
  return { success: false, message, issues: issues.map((i) => ({ path: fullName(i.path, root), message: i.message })) };
}
