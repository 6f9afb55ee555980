import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyMessage } from "../../functions/provision/apply";
import { parseMessage } from "../../functions/provision/messages";
import { startProvisionRig, type ProvisionRig } from "../provision/rig";

/** Provisioning messages carry the proxy policy: set on create, kept when omitted, compared like description. */
let rig: ProvisionRig;
beforeAll(async () => (rig = await startProvisionRig()));
afterAll(() => rig.close());

const upsert = async (fields: Record<string, unknown>) => {
  const parsed = await parseMessage(
    JSON.stringify({ specVersion: 1, requestId: randomUUID(), type: "app-connection.upsert", orgId: "org-prov-proxy", name: "svc-proxy", ...fields }),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  return applyMessage(rig.service, parsed.message, { id: "cmdb" });
};
const stored = async () => (await rig.service.getByName({ actor: { type: "provisioning", id: "t", orgId: "org-prov-proxy" }, reqId: "r" }, null, "svc-proxy")).proxy;

it("sets, keeps and changes the policy; an equal one changes nothing", async () => {
  const credentials = { instanceUrl: rig.h.okta.origin, apiToken: rig.h.validOktaToken() };
  const allow = ["GET /api/v1/users/**", "POST /api/v1/groups/*/users/*"];
  expect(await upsert({ credentials, proxy: { allow } })).toMatchObject({ outcome: "created", version: 1 });
  expect(await stored()).toEqual({ allow });

  expect(await upsert({})).toMatchObject({ outcome: "unchanged" }); // omitted: kept
  expect(await upsert({ proxy: { allow } })).toMatchObject({ outcome: "unchanged" });
  expect(await stored()).toEqual({ allow });

  expect(await upsert({ proxy: { allow: ["GET /api/v1/**"] } })).toMatchObject({ outcome: "updated", version: 2 });
  expect(await stored()).toEqual({ allow: ["GET /api/v1/**"] });
});

it("a new connection without a policy gets the read-only default; a bad policy is refused", async () => {
  const credentials = { instanceUrl: rig.h.okta.origin, apiToken: rig.h.validOktaToken() };
  const parsed = await parseMessage(JSON.stringify({ specVersion: 1, requestId: randomUUID(), type: "app-connection.upsert", orgId: "org-prov-proxy", name: "svc-default", credentials }));
  if (!parsed.ok) throw new Error(parsed.reason);
  await applyMessage(rig.service, parsed.message, { id: "cmdb" });
  const conn = await rig.service.getByName({ actor: { type: "provisioning", id: "t", orgId: "org-prov-proxy" }, reqId: "r" }, null, "svc-default");
  expect(conn.proxy).toEqual({ allow: ["GET /api/v1/**"] });

  const bad = await parseMessage(JSON.stringify({ specVersion: 1, requestId: randomUUID(), type: "app-connection.upsert", orgId: "o", name: "x", proxy: { allow: ["GET /admin"] } }));
  expect(bad).toMatchObject({ ok: false });
  expect(bad.ok === false && bad.reason).toContain("proxy.allow");
});
