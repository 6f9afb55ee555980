// zod/mini: the same validation as classic zod, as functions instead of methods, so a cold Lambda
// loads and builds a fraction of it (bench/cold-start.ts measures the difference).
import * as z from "zod/mini";
import { validationFailure } from "../errors";
import type { OktaCredentials } from "../okta/access";
import { proxyPolicySchema } from "../proxy/policy";
import type { ConnectionMethod } from "./model";

/**
 * Input rules of the contract (section 1), shared by the HTTP edge and by provisioning.
 * Messages never include the offending value: it could be a token.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** An identifier (ID_PATTERN), named in its message. */
export const idSchema = (field: string) => z.string().check(z.regex(ID_PATTERN, `${field} must be 1-128 letters, digits, '_', '.', ':' or '-'`));

export const projectIdSchema = idSchema("projectId");

export const connectionNameSchema = z
  .string()
  .check(
    z.minLength(1, "name must not be empty"),
    z.maxLength(64, "name must be at most 64 characters"),
    z.regex(/^[a-z0-9-]+$/, "name may contain only lowercase letters, numbers and hyphens"),
  );

export const descriptionSchema = z.nullable(z.string().check(z.maxLength(256, "description must be at most 256 characters")));

export const API_TOKEN_PATTERN = /^00[A-Za-z0-9_-]{40}$/;

/** Accepts an Okta org URL and returns its origin (`https://acme.okta.com`). */
export const instanceUrlSchema = z.pipe(
  z.string().check(z.maxLength(255, "instanceUrl must be at most 255 characters")),
  z.transform((raw: string, ctx) => {
    // The issue carries no `input`: the value is never echoed. Any issue fails the parse, so the
    // returned value is never seen (not z.NEVER: using it makes esbuild load zod's JSON Schema
    // generator at every cold start).
    const refuse = (message: string): never => (ctx.issues.push({ code: "custom", message, input: undefined }), undefined as never);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return refuse("instanceUrl must be an absolute URL");
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
      return refuse("instanceUrl must be the org's origin, without a path, query or fragment");
    }
    // `acme.okta.com.` is the same host as `acme.okta.com` (the DNS root): stored without the dot.
    const hostname = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
    if (hostname.endsWith(".")) return refuse("instanceUrl must have a valid host name");
    // Keep user info so the guard can refuse it with the contract's InvalidInstanceUrl.
    const userInfo = url.username || url.password ? `${url.username}${url.password ? ":" + url.password : ""}@` : "";
    return `${url.protocol}//${userInfo}${hostname}${url.port ? `:${url.port}` : ""}`;
  }),
);

export const apiTokenSchema = z
  .string()
  .check(z.regex(API_TOKEN_PATTERN, "apiToken must be an Okta API token: '00' followed by 40 letters, digits, '_' or '-'"));

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

export const credentialsSchema = sentWhole("credentials", { instanceUrl: instanceUrlSchema, apiToken: apiTokenSchema });
export type CredentialsInput = z.output<typeof credentialsSchema>;

/** Credentials as sent, for the connection's method, in the shape the access port takes. */
export function credentialsInput(method: ConnectionMethod, credentials: CredentialsInput): OktaCredentials {
  if (method !== "api-token") throw validationFailure(`credentials must be those of the connection's method ${method}`);
  return { method, ...credentials };
}

/** Infisical clients send these; only their neutral values are accepted. */
const compatibilityFields = {
  isPlatformManagedCredentials: z.optional(z.literal(false)),
  gatewayId: z.optional(z.null()),
};

/** What every create body has besides its method and credentials. */
const createFields = {
  name: connectionNameSchema,
  description: z.optional(descriptionSchema),
  projectId: z.optional(projectIdSchema),
  proxy: z.optional(proxyPolicySchema),
  ...compatibilityFields,
};

/** One member per method (contract sections 1 and 9), chosen by `method`. */
export const createConnectionSchema = z.discriminatedUnion("method", [
  z.strictObject({ ...createFields, method: z.literal("api-token"), credentials: credentialsSchema }),
]);
export type CreateConnectionInput = z.output<typeof createConnectionSchema>;

export const updateConnectionSchema = z
  .strictObject({
    name: z.optional(connectionNameSchema),
    description: z.optional(descriptionSchema),
    credentials: z.optional(credentialsSchema),
    proxy: z.optional(proxyPolicySchema),
    projectId: fixedAfterCreation("projectId"),
    ...compatibilityFields,
  })
  .check(
    z.refine((body) => body.name !== undefined || body.description !== undefined || body.credentials !== undefined || body.proxy !== undefined, {
      message: "send at least one of name, description, credentials or proxy",
      when: (payload) => payload.issues.length === 0,
    }),
  );
export type UpdateConnectionInput = z.output<typeof updateConnectionSchema>;
