// zod/mini: the same validation as classic zod, as functions instead of methods, so a cold Lambda
// loads a fraction of it. Every schema here is a `z.lazy`: built when something first parses with
// it, so a cold start builds none of them (the Lambda's GET by id never needs them; bench:cold
// measures the difference).
import * as z from "zod/mini";
import { validationFailure } from "../errors";
import { isPlainObject, withPlainParse } from "../validation";
import type { OktaCredentials } from "../okta/access";
import { proxyPolicySchema } from "../proxy/policy";
import type { ServiceAppKey } from "../okta/service-app-key";
import type { ConnectionMethod } from "./model";

/**
 * Input rules of the contract (section 1), shared by the HTTP edge and by provisioning.
 * Messages never include the offending value: it could be a token.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** An identifier (ID_PATTERN), named in its message. */
export const idSchema = (field: string) => z.string().check(z.regex(ID_PATTERN, `${field} must be 1-128 letters, digits, '_', '.', ':' or '-'`));

export const projectIdSchema = z.lazy(() => idSchema("projectId"));

const NAME_PATTERN = /^[a-z0-9-]+$/;
const NAME_MAX = 64;
export const connectionNameSchema = z.lazy(() =>
  z.string().check(
    z.minLength(1, "name must not be empty"),
    z.maxLength(NAME_MAX, `name must be at most ${NAME_MAX} characters`),
    z.regex(NAME_PATTERN, "name may contain only lowercase letters, numbers and hyphens"),
  ),
);

const DESCRIPTION_MAX = 256;
export const descriptionSchema = z.lazy(() => z.nullable(z.string().check(z.maxLength(DESCRIPTION_MAX, `description must be at most ${DESCRIPTION_MAX} characters`))));

export const API_TOKEN_PATTERN = /^00[A-Za-z0-9_-]{40}$/;

/** An Okta org URL's origin (`https://acme.okta.com`), or why it is refused. */
function orgOriginOf(raw: string): { origin: string } | { refusal: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refusal: "instanceUrl must be an absolute URL" };
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
    return { refusal: "instanceUrl must be the org's origin, without a path, query or fragment" };
  }
  // `acme.okta.com.` is the same host as `acme.okta.com` (the DNS root): stored without the dot.
  const hostname = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  if (hostname.endsWith(".")) return { refusal: "instanceUrl must have a valid host name" };
  // Keep user info so the guard can refuse it with the contract's InvalidInstanceUrl.
  const userInfo = url.username || url.password ? `${url.username}${url.password ? ":" + url.password : ""}@` : "";
  return { origin: `${url.protocol}//${userInfo}${hostname}${url.port ? `:${url.port}` : ""}` };
}

function orgOrigin(raw: string, ctx: z.core.ParsePayload): string {
  const checked = orgOriginOf(raw);
  if ("origin" in checked) return checked.origin;
  // The issue carries no `input`: the value is never echoed. Any issue fails the parse, so the
  // returned value is never seen (not z.NEVER: using it makes esbuild load zod's JSON Schema
  // generator at every cold start).
  ctx.issues.push({ code: "custom", message: checked.refusal, input: undefined });
  return undefined as never;
}

/** Accepts an Okta org URL and returns its origin (`https://acme.okta.com`). */
const INSTANCE_URL_MAX = 255;
export const instanceUrlSchema = z.lazy(() => z.pipe(z.string().check(z.maxLength(INSTANCE_URL_MAX, `instanceUrl must be at most ${INSTANCE_URL_MAX} characters`)), z.transform(orgOrigin)));

export const apiTokenSchema = z.lazy(() =>
  z.string().check(z.regex(API_TOKEN_PATTERN, "apiToken must be an Okta API token: '00' followed by 40 letters, digits, '_' or '-'")),
);

/**
 * An object that is only ever sent whole: one missing key is reported once, for the object,
 * naming every key ("credentials must send both instanceUrl and apiToken").
 */
export function sentWhole<Shape extends Record<string, z.ZodMiniType>>(field: string, shape: Shape) {
  const keys = Object.keys(shape);
  const names = keys.length === 2 ? `both ${keys[0]} and ${keys[1]}` : `all of ${keys.join(", ")}`;
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  return z.strictObject(shape).check(
    z.refine((value) => keys.every((key) => key in value), {
      message: `${field} must send ${names}`,
      // Runs even when a key's own schema failed (a missing key does): this message explains it.
      when: (payload) => isObject(payload.value),
    }),
  );
}

/** A field set at creation that an update may not send. */
export const fixedAfterCreation = (field: string) => z.optional(z.never({ error: `${field} cannot change after creation` }));

export const credentialsSchema = z.lazy(() => sentWhole("credentials", { instanceUrl: instanceUrlSchema, apiToken: apiTokenSchema }));
export type CredentialsInput = z.output<typeof credentialsSchema>;

export const clientIdSchema = z.lazy(() => z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, "clientId must be 1-100 letters, digits, '_' or '-'")));

const SCOPES_MESSAGE = "scopes must list 1-30 Okta scopes";
export const scopeSchema = z.lazy(() =>
  z.string().check(z.regex(/^okta\.[A-Za-z0-9.]+$/, "each scope must be an Okta scope: 'okta.' then letters, digits or dots (okta.users.read)")),
);
export const scopesSchema = z.lazy(() =>
  z.array(scopeSchema).check(
    z.minLength(1, SCOPES_MESSAGE),
    z.maxLength(30, SCOPES_MESSAGE),
    z.refine((scopes) => new Set(scopes).size === scopes.length, "scopes must not list a scope twice"),
  ),
);

/**
 * A private JWK (object) or PKCS#8 PEM (string), checked with jose and normalized (service-app-key.ts).
 * Loaded here, on the first key, so that the API's cold start (which builds the console's rules
 * from these schemas) does not load the key code with it.
 */
async function serviceAppKey(raw: string | Record<string, unknown>, ctx: z.core.ParsePayload): Promise<ServiceAppKey> {
  const keys = await import("../okta/service-app-key");
  try {
    return await keys.parseServiceAppKey(raw);
  } catch (error) {
    if (!(error instanceof keys.KeyRefusedError)) throw error;
    ctx.issues.push({ code: "custom", message: error.message, input: undefined }); // never the key itself
    return undefined as never;
  }
}
export const privateKeySchema = z.lazy(() =>
  z.pipe(z.union([z.string(), z.looseObject({})], { error: "privateKey must be a private JWK object or a PKCS#8 PEM string" }), z.transform(serviceAppKey)),
);

export const clientCredentialsSchema = z.lazy(() =>
  sentWhole("credentials", { instanceUrl: instanceUrlSchema, clientId: clientIdSchema, scopes: scopesSchema, privateKey: privateKeySchema }),
);
export type ClientCredentialsInput = z.output<typeof clientCredentialsSchema>;

/** The credentials' shape for each method, as messages name them. */
const SHAPE_OF: Record<ConnectionMethod, string> = {
  "api-token": "{ instanceUrl, apiToken }",
  "client-credentials": "{ instanceUrl, clientId, scopes, privateKey }",
};
const sentForMethod = (credentials: object): ConnectionMethod =>
  ["clientId", "scopes", "privateKey"].some((field) => field in credentials) ? "client-credentials" : "api-token";

/** Why credentials of either method were refused: the issues of the shape they were meant as. */
function explainCredentials(issue: z.core.$ZodRawIssue): string {
  const input = issue.input;
  if (typeof input !== "object" || input === null || Array.isArray(input)) return `credentials must be an object: ${SHAPE_OF["api-token"]} or ${SHAPE_OF["client-credentials"]}`;
  const branch = ((issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [])[sentForMethod(input) === "api-token" ? 0 : 1] ?? [];
  // "credentials must send all of ..." already says which keys are missing: not each one again.
  const whole = branch.some((i) => i.code === "custom" && i.path.length === 0);
  const shown = whole ? branch.filter((i) => !(i.code === "invalid_type" && !(i.path[0]! in input))) : branch;
  return shown.map(describeIssue).join("; ") || "credentials are not valid";
}

/**
 * The credentials of either method (PATCH, provisioning: the connection's method decides which is
 * right). A refusal reports the issues of the shape the body was meant as, not a generic union error.
 */
export const anyCredentialsSchema = z.lazy(() => z.union([credentialsSchema, clientCredentialsSchema], { error: explainCredentials }));
export type AnyCredentialsInput = z.output<typeof anyCredentialsSchema>;

const describeIssue = (issue: z.core.$ZodIssue) =>
  issue.code === "unrecognized_keys"
    ? issue.keys.map((key) => `${key} is not allowed`).join("; ")
    : issue.code === "invalid_type" && issue.message === "Invalid input"
      ? `${issue.path.join(".")} is required and must be a${issue.expected === "array" || issue.expected === "object" ? "n" : ""} ${issue.expected}`
      : issue.message;

/** Credentials as sent, for the connection's method, in the shape the access port takes. */
export function credentialsInput(method: ConnectionMethod, credentials: AnyCredentialsInput): OktaCredentials {
  const sent = "apiToken" in credentials ? "api-token" : "client-credentials";
  if (sent !== method) {
    throw validationFailure(`credentials: the connection's method is ${method}, so credentials must be ${SHAPE_OF[method]} (these are ${sent} credentials; method never changes)`);
  }
  if ("apiToken" in credentials) return { method: "api-token", ...credentials };
  const { instanceUrl, clientId, scopes, privateKey } = credentials;
  return { method: "client-credentials", instanceUrl, clientId, scopes, keyId: privateKey.keyId, privateKey: privateKey.sealed };
}

/** Infisical clients send these; only their neutral values are accepted. */
const compatibilityFields = () => ({
  isPlatformManagedCredentials: z.optional(z.literal(false)),
  gatewayId: z.optional(z.null()),
});

/** What every create body has besides its method and credentials. */
const createFields = () => ({
  name: connectionNameSchema,
  description: z.optional(descriptionSchema),
  projectId: z.optional(projectIdSchema),
  proxy: z.optional(proxyPolicySchema),
  ...compatibilityFields(),
});

/** One member per method (contract sections 1 and 9), chosen by `method`. */
const createConnectionShapes = z.lazy(() =>
  z.discriminatedUnion(
    "method",
    [
      z.strictObject({ ...createFields(), method: z.literal("api-token"), credentials: credentialsSchema }),
      z.strictObject({ ...createFields(), method: z.literal("client-credentials"), credentials: clientCredentialsSchema }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? "method must be one of: api-token, client-credentials" : undefined) },
  ),
);
export type CreateConnectionInput = z.output<typeof createConnectionShapes>;
export const createConnectionSchema = withPlainParse(createConnectionShapes, plainApiTokenCreate);

const PLAIN_CREATE_KEYS = new Set(["name", "method", "credentials", "description", "projectId"]);
const onlyKeys = (value: Record<string, unknown>, allowed: ReadonlySet<string>, required: number) => {
  let count = 0;
  for (const key of Object.keys(value)) {
    if (!allowed.has(key) || value[key] === undefined) return false;
    count++;
  }
  return count >= required;
};
const API_TOKEN_KEYS = new Set(["instanceUrl", "apiToken"]);

/**
 * The commonest create body, read without zod (validation.ts, withPlainParse): an API-token
 * connection without a proxy policy or compatibility fields. It accepts only what the schema
 * accepts and answers the same (test/api/schemas-fast-path.test.ts); anything else goes to zod.
 */
export function plainApiTokenCreate(input: unknown): CreateConnectionInput | undefined {
  if (!isPlainObject(input) || !onlyKeys(input, PLAIN_CREATE_KEYS, 3)) return undefined;
  const { name, method, credentials, description, projectId } = input;
  if (method !== "api-token" || typeof name !== "string" || name.length > NAME_MAX || !NAME_PATTERN.test(name)) return undefined;
  if (description !== undefined && description !== null && (typeof description !== "string" || description.length > DESCRIPTION_MAX)) return undefined;
  if (projectId !== undefined && (typeof projectId !== "string" || !ID_PATTERN.test(projectId))) return undefined;
  if (!isPlainObject(credentials) || !onlyKeys(credentials, API_TOKEN_KEYS, 2)) return undefined;
  const { instanceUrl, apiToken } = credentials;
  if (typeof apiToken !== "string" || !API_TOKEN_PATTERN.test(apiToken) || typeof instanceUrl !== "string" || instanceUrl.length > INSTANCE_URL_MAX) return undefined;
  const checked = orgOriginOf(instanceUrl);
  if (!("origin" in checked)) return undefined;
  return {
    name,
    ...(description === undefined ? {} : { description }),
    ...(projectId === undefined ? {} : { projectId }),
    method,
    credentials: { instanceUrl: checked.origin, apiToken },
  };
}

export const updateConnectionSchema = z.lazy(() =>
  z
    .strictObject({
      name: z.optional(connectionNameSchema),
      description: z.optional(descriptionSchema),
      credentials: z.optional(anyCredentialsSchema),
      // Sent at all, it is refused: a connection keeps the method it was created with (section 9).
      method: fixedAfterCreation("method"),
      proxy: z.optional(proxyPolicySchema),
      projectId: fixedAfterCreation("projectId"),
      ...compatibilityFields(),
    })
    .check(
      z.refine((body) => body.name !== undefined || body.description !== undefined || body.credentials !== undefined || body.proxy !== undefined, {
        message: "send at least one of name, description, credentials or proxy",
        when: (payload) => payload.issues.length === 0,
      }),
    ),
);
export type UpdateConnectionInput = z.output<typeof updateConnectionSchema>;
