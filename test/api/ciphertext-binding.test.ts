import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBody, startHarness, type Harness } from "../support/harness";

/**
 * The KMS encryption context binds a sealed token to its org, project and connection: sealed
 * credentials copied onto another record in the raw table no longer decrypt, and validate says so
 * cleanly (200, valid false), with no token anywhere.
 */
let h: Harness;
const BASE = "/api/v1/app-connections/okta";

beforeAll(async () => (h = await startHarness()));
afterAll(() => h.close());

async function rawConnection(id: string) {
  const item = (await h.scan()).map((i) => unmarshall(i)).find((i) => i.type === "connection" && i.id === id);
  if (!item) throw new Error(`no item for ${id}`);
  return item;
}

it.each([
  ["another connection of the same project", { orgId: "org-x", projectId: "p1" }],
  ["a connection of another project", { orgId: "org-x", projectId: "p2" }],
  ["a connection of another org", { orgId: "org-y", projectId: "p1" }],
  ["an org-level connection", { orgId: "org-x", projectId: undefined }],
])("moving sealed credentials onto %s makes validate fail cleanly", async (_label, target) => {
  const admin = (orgId: string) => h.token({ orgId, orgRole: "admin" });
  const sourceToken = h.validOktaToken();
  const source = (await h.call("POST", BASE, { token: await admin("org-x"), body: createBody(h, `src-${Date.now()}`, { projectId: "p1" }, sourceToken) })).body.appConnection;
  const victimToken = await admin(target.orgId);
  const victim = (await h.call("POST", BASE, { token: victimToken, body: createBody(h, `dst-${Date.now()}`, target.projectId ? { projectId: target.projectId } : {}) })).body.appConnection;

  const stolen = (await rawConnection(source.id)).secret;
  const item = await rawConnection(victim.id);
  await h.dynamodb.send(new PutItemCommand({ TableName: h.tableName, Item: marshall({ ...item, secret: stolen }) }));

  const res = await h.call("POST", `${BASE}/${victim.id}/validate`, { token: victimToken });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ valid: false, error: { error: "InvalidCredentials" } });
  expect(res.text).not.toContain(sourceToken);
  expect(h.logs.join("\n")).not.toContain(sourceToken);
  // The source itself still validates: nothing was weakened, only the copy is refused.
  expect((await h.call("POST", `${BASE}/${source.id}/validate`, { token: await admin("org-x") })).body.valid).toBe(true);
});
