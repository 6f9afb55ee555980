import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { consoleRules } from "../../functions/console/rules";
import {
  API_TOKEN_PATTERN,
  apiTokenSchema,
  connectionNameSchema,
  descriptionSchema,
  ID_PATTERN,
  instanceUrlSchema,
  projectIdSchema,
} from "../../functions/core/connections/schemas";
import { ADMIN_CONSOLE } from "../../functions/core/okta/url-guard";
import { GENERATED_FILE, renderConsoleAssets } from "../../scripts/build-console";

describe("console assets", () => {
  it("assets.gen.ts is what `npm run build:console` makes from the current sources", async () => {
    const expected = await renderConsoleAssets();
    expect(readFileSync(GENERATED_FILE, "utf8") === expected, "functions/console/assets.gen.ts is stale: run `npm run build:console`").toBe(true);
  });

  it("the browser's rules are the API schemas' limits and messages", () => {
    const rules = consoleRules();
    const message = (schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } }, value: unknown) =>
      schema.safeParse(value).error?.issues[0]?.message;
    expect(rules.name).toEqual({
      min: 1,
      max: 64,
      pattern: "^[a-z0-9-]+$",
      messages: { min: message(connectionNameSchema, ""), max: message(connectionNameSchema, "a".repeat(65)), pattern: message(connectionNameSchema, "A") },
    });
    expect(rules.description.max).toBe(256);
    expect(rules.description.messages.max).toBe(message(descriptionSchema, "d".repeat(257)));
    expect(rules.apiToken.pattern).toBe(API_TOKEN_PATTERN.source);
    expect(rules.apiToken.messages.pattern).toBe(message(apiTokenSchema, "x"));
    expect(rules.instanceUrl.max).toBe(255);
    expect(rules.instanceUrl.messages).toEqual({
      max: message(instanceUrlSchema, `https://a.example/${"a".repeat(255)}`),
      absolute: message(instanceUrlSchema, "nope"),
      origin: message(instanceUrlSchema, "https://a.example/x?y"),
      adminHost: ADMIN_CONSOLE.hint,
    });
    // The admin-console host is refused by the guard; the browser checks the same pattern on blur.
    expect(rules.instanceUrl.adminHost).toBe(ADMIN_CONSOLE.host.source);
    expect(rules.projectId.pattern).toBe(ID_PATTERN.source);
    expect(rules.projectId.messages.pattern).toBe(message(projectIdSchema, ""));
    for (const text of Object.values(rules).flatMap((r) => Object.values(r.messages))) expect(text).toMatch(/^\w/);
  });
});
