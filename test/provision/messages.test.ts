import { describe, expect, it } from "vitest";
import { parseMessage } from "../../functions/provision/messages";

/** A provisioning message that fails its schema says which field and which rule, like the API's 422s. */
const TOKEN = `00${"b".repeat(40)}`;
const upsert = (extra: Record<string, unknown> = {}, drop: string[] = []) => {
  const message: Record<string, unknown> = {
    specVersion: 1,
    requestId: "req-1",
    type: "app-connection.upsert",
    orgId: "acme",
    name: "okta-prod",
    credentials: { instanceUrl: "https://acme.okta.com", apiToken: TOKEN },
    ...extra,
  };
  for (const key of drop) delete message[key];
  return JSON.stringify(message);
};

const rows: [label: string, body: string, reason: string][] = [
  ["another specVersion", upsert({ specVersion: 2 }), "specVersion must be 1"],
  ["no specVersion", upsert({}, ["specVersion"]), "specVersion must be 1"],
  ["an unknown field", upsert({ zzz: 1 }), "zzz is not allowed"],
  ["an unknown field in credentials", upsert({ credentials: { instanceUrl: "https://acme.okta.com", apiToken: TOKEN, x: 1 } }), "credentials.x is not allowed"],
  ["an unknown type", upsert({ type: "app-connection.rename" }), "type must be one of: app-connection.upsert, app-connection.delete"],
  ["no type", upsert({}, ["type"]), "type must be one of: app-connection.upsert, app-connection.delete"],
  ["no orgId", upsert({}, ["orgId"]), "orgId is required"],
  ["half credentials", upsert({ credentials: { apiToken: TOKEN } }), "credentials must send both instanceUrl and apiToken"],
  ["a bad sentAt", upsert({ sentAt: "yesterday" }), "sentAt must be an ISO-8601 date-time"],
  ["a name too long", upsert({ name: "n".repeat(65) }), "name must be at most 64 characters"],
  ["an array", "[1]", "the message must be a JSON object"],
  ["a string", '"hello"', "the message must be a JSON object"],
  ["null", "null", "the message must be a JSON object"],
  ["not JSON", "{", "the message body is not JSON"],
];

describe("provisioning message refusals name the field and the rule", () => {
  it.each(rows)("%s", async (_label, body, reason) => {
    const parsed = await parseMessage(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toBe(reason);
    expect(parsed.reason).not.toContain("Invalid input");
    expect(parsed.reason).not.toContain(TOKEN);
  });

  it("keeps the requestId of a message that failed the schema", async () => {
    expect(await parseMessage(upsert({ zzz: 1 }))).toMatchObject({ ok: false, requestId: "req-1" });
  });
});
