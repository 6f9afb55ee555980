import * as z from "zod";

/**
 * Input rules of the contract (section 1), shared by the HTTP edge and by provisioning.
 * Messages never include the offending value: it could be a token.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const projectIdSchema = z
  .string()
  .regex(ID_PATTERN, "projectId must be 1-128 letters, digits, '_', '.', ':' or '-'");

export const connectionNameSchema = z
  .string()
  .min(1, "name must not be empty")
  .max(64, "name must be at most 64 characters")
  .regex(/^[a-z0-9-]+$/, "name may contain only lowercase letters, numbers and hyphens");

export const descriptionSchema = z.string().max(256, "description must be at most 256 characters").nullable();

export const API_TOKEN_PATTERN = /^00[A-Za-z0-9_-]{40}$/;

/** Accepts an Okta org URL and returns its origin (`https://acme.okta.com`). */
export const instanceUrlSchema = z
  .string()
  .max(255, "instanceUrl must be at most 255 characters")
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "instanceUrl must be an absolute URL" });
      return z.NEVER;
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
      ctx.addIssue({ code: "custom", message: "instanceUrl must be the org's origin, without a path, query or fragment" });
      return z.NEVER;
    }
    // Keep user info so the guard can refuse it with the contract's InvalidInstanceUrl.
    const userInfo = url.username || url.password ? `${url.username}${url.password ? ":" + url.password : ""}@` : "";
    return `${url.protocol}//${userInfo}${url.host}`;
  });

export const apiTokenSchema = z
  .string()
  .regex(API_TOKEN_PATTERN, "apiToken must be an Okta API token: '00' followed by 40 letters, digits, '_' or '-'");

export const credentialsSchema = z.strictObject({ instanceUrl: instanceUrlSchema, apiToken: apiTokenSchema });
export type CredentialsInput = z.output<typeof credentialsSchema>;

/** Infisical clients send these; only their neutral values are accepted. */
const compatibilityFields = {
  isPlatformManagedCredentials: z.literal(false).optional(),
  gatewayId: z.null().optional(),
};

export const createConnectionSchema = z.strictObject({
  name: connectionNameSchema,
  description: descriptionSchema.optional(),
  method: z.literal("api-token"),
  projectId: projectIdSchema.optional(),
  credentials: credentialsSchema,
  ...compatibilityFields,
});
export type CreateConnectionInput = z.output<typeof createConnectionSchema>;

export const updateConnectionSchema = z
  .strictObject({
    name: connectionNameSchema.optional(),
    description: descriptionSchema.optional(),
    credentials: credentialsSchema.optional(),
    ...compatibilityFields,
  })
  .refine((body) => body.name !== undefined || body.description !== undefined || body.credentials !== undefined, {
    message: "send at least one of name, description or credentials",
  });
export type UpdateConnectionInput = z.output<typeof updateConnectionSchema>;
