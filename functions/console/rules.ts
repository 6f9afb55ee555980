import * as z from "zod/mini";
import {
  apiTokenSchema,
  clientIdSchema,
  connectionNameSchema,
  descriptionSchema,
  instanceUrlSchema,
  projectIdSchema,
  scopeSchema,
  scopesSchema,
} from "../core/connections/schemas";
import { ADMIN_CONSOLE } from "../core/okta/url-guard";

/** A field's limits as the browser checks them, with the API's own messages. */
export interface FieldRule {
  min?: number;
  max?: number;
  pattern?: string;
  messages: { min?: string; max?: string; pattern?: string; absolute?: string; origin?: string; adminHost?: string; distinct?: string };
  /** instanceUrl: the admin console's host pattern; `messages.adminHost` is a `String.replace` template on it. */
  adminHost?: string;
}

export interface ConsoleRules {
  name: FieldRule;
  description: FieldRule;
  instanceUrl: FieldRule;
  apiToken: FieldRule;
  projectId: FieldRule;
  /** Service apps (client-credentials): the client id, one scope, and the list of scopes (count, no repeats). */
  clientId: FieldRule;
  scope: FieldRule;
  scopes: FieldRule;
}

type Limits = { minLength?: number; maxLength?: number; pattern?: string; anyOf?: Limits[] };

/** The first issue's message for a probe value (messages never contain the value). */
const messageFor = (schema: z.ZodMiniType, probe: unknown) => schema.safeParse(probe).error?.issues[0]?.message;

function limitsOf(schema: z.ZodMiniType): Limits {
  const json = z.toJSONSchema(schema, { io: "input" }) as Limits;
  return json.anyOf?.find((branch) => branch.maxLength !== undefined || branch.pattern !== undefined) ?? json;
}

/**
 * The browser repeats the API's input checks (functions/core/connections/schemas.ts) so a form shows
 * the same message before it is sent. Limits and patterns are read from the zod schemas, messages by
 * running the schemas on probe values, so the two cannot drift apart.
 */
export function consoleRules(): ConsoleRules {
  const name = limitsOf(connectionNameSchema);
  const description = limitsOf(descriptionSchema);
  const url = limitsOf(instanceUrlSchema);
  const token = limitsOf(apiTokenSchema);
  const project = limitsOf(projectIdSchema);
  return {
    name: {
      min: name.minLength,
      max: name.maxLength,
      pattern: name.pattern,
      messages: {
        min: messageFor(connectionNameSchema, ""),
        max: messageFor(connectionNameSchema, "a".repeat((name.maxLength ?? 0) + 1)),
        pattern: messageFor(connectionNameSchema, "A"),
      },
    },
    description: {
      max: description.maxLength,
      messages: { max: messageFor(descriptionSchema, "a".repeat((description.maxLength ?? 0) + 1)) },
    },
    instanceUrl: {
      max: url.maxLength,
      adminHost: ADMIN_CONSOLE.host.source,
      messages: {
        adminHost: ADMIN_CONSOLE.hint,
        max: messageFor(instanceUrlSchema, `https://a.example/${"a".repeat(url.maxLength ?? 0)}`),
        absolute: messageFor(instanceUrlSchema, "not a url"),
        origin: messageFor(instanceUrlSchema, "https://a.example/path"),
      },
    },
    apiToken: { pattern: token.pattern, messages: { pattern: messageFor(apiTokenSchema, "") } },
    projectId: { pattern: project.pattern, messages: { pattern: messageFor(projectIdSchema, "") } },
    ...serviceAppRules(),
  };
}

function serviceAppRules(): Pick<ConsoleRules, "clientId" | "scope" | "scopes"> {
  const clientId = limitsOf(clientIdSchema);
  const scope = limitsOf(scopeSchema);
  const scopes = z.toJSONSchema(scopesSchema, { io: "input" }) as { minItems?: number; maxItems?: number };
  const probe = "okta.users.read";
  return {
    clientId: { pattern: clientId.pattern, messages: { pattern: messageFor(clientIdSchema, "") } },
    scope: { pattern: scope.pattern, messages: { pattern: messageFor(scopeSchema, "") } },
    scopes: {
      min: scopes.minItems,
      max: scopes.maxItems,
      messages: {
        min: messageFor(scopesSchema, []),
        max: messageFor(scopesSchema, Array.from({ length: (scopes.maxItems ?? 0) + 1 }, (_, i) => `${probe}${i}`)),
        distinct: messageFor(scopesSchema, [probe, probe]),
      },
    },
  };
}
