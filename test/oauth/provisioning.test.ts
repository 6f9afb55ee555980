import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOktaOAuth, type FakeOktaOAuth } from "../support/fake-okta-oauth";
import { makeKeyPair } from "../support/service-app-keys";
import { findPrivateKeys } from "../support/token-shapes";
import { sqsRecord, startProvisionRig, upsert, type ProvisionRig } from "../provision/rig";

let rig: ProvisionRig;
let okta: FakeOktaOAuth;
const SCOPES = ["okta.users.read"];

beforeAll(async () => {
  okta = await startFakeOktaOAuth();
  rig = await startProvisionRig({ allowOkta: [okta.hostPort] });
});
afterAll(async () => {
  await rig.close();
  await okta.close();
});

const ccCredentials = (clientId: string, privateKey: unknown, scopes = SCOPES) => ({ instanceUrl: okta.origin, clientId, scopes, privateKey });

describe("provisioning a client-credentials connection", () => {
  it("creates it, leaves it unchanged for the same credentials (no Okta, no KMS), updates it for new ones", async () => {
    const keys = makeKeyPair("ec", { kid: "prov-1" });
    okta.register("0oaprov", keys.publicJwk, ["okta.users.read", "okta.groups.read"]);
    const message = (fields: Record<string, unknown>) => upsert(rig, { name: "okta-svc", method: "client-credentials", ...fields });

    const created = await rig.deliver([sqsRecord(message({ credentials: ccCredentials("0oaprov", keys.privateJwk) }))]);
    expect(created.outcomes.map((o) => [o.outcome, o.error])).toEqual([["created", undefined]]);
    const [item] = (await rig.items("connection")).filter((c) => c.name === "okta-svc");
    expect(item).toMatchObject({ method: "client-credentials", serviceApp: { clientId: "0oaprov", scopes: SCOPES, keyId: "prov-1" } });

    const tokenRequests = okta.tokenRequests.length;
    const kms = rig.h.localKms.counts.GenerateDataKey ?? 0;
    const same = await rig.deliver([sqsRecord(message({ credentials: ccCredentials("0oaprov", keys.privateJwk) }))]);
    expect(same.outcomes.map((o) => o.outcome)).toEqual(["unchanged"]);
    expect(okta.tokenRequests.length).toBe(tokenRequests);
    expect(rig.h.localKms.counts.GenerateDataKey ?? 0).toBe(kms);

    const wider = await rig.deliver([sqsRecord(message({ credentials: ccCredentials("0oaprov", keys.privateJwk, ["okta.users.read", "okta.groups.read"]) }))]);
    expect(wider.outcomes.map((o) => [o.outcome, o.version])).toEqual([["updated", 2]]);
    expect(okta.tokenRequests.length).toBe(tokenRequests + 1);
    expect(findPrivateKeys(await rig.h.scan())).toEqual([]);
    expect(JSON.stringify(rig.outcomesPublisher.entries)).not.toContain(keys.d);
  });

  it("method defaults to api-token, and a connection's method never changes", async () => {
    const keys = makeKeyPair("rsa");
    okta.register("0oaprov2", keys.publicJwk, SCOPES);
    const cc = await rig.deliver([sqsRecord(upsert(rig, { name: "okta-svc2", method: "client-credentials", credentials: ccCredentials("0oaprov2", keys.pem) }))]);
    expect(cc.outcomes[0]!.outcome).toBe("created");

    const noMethod = await rig.deliver([sqsRecord(upsert(rig, { name: "okta-svc3", credentials: ccCredentials("0oaprov2", keys.pem) }))]);
    expect(noMethod.outcomes[0]).toMatchObject({ outcome: "failed", error: { error: "ValidationFailure", message: expect.stringMatching(/method is api-token, so credentials must be \{ instanceUrl, apiToken \}/) } });

    const switched = await rig.deliver([sqsRecord(upsert(rig, { name: "okta-svc2", description: "now a token" }))]);
    expect(switched.outcomes[0]).toMatchObject({ outcome: "failed", error: { error: "ValidationFailure", message: expect.stringMatching(/uses client-credentials; a connection's method never changes/) } });

    const described = await rig.deliver([sqsRecord(upsert(rig, { name: "okta-svc2", method: "client-credentials", description: "kept key", credentials: undefined }))]);
    expect(described.outcomes[0]).toMatchObject({ outcome: "updated", version: 2 });
  });

  it("a malformed key fails the message with the key's rule, before any Okta call", async () => {
    const seen = okta.count();
    const bad = await rig.deliver([
      sqsRecord(upsert(rig, { name: "okta-svc4", method: "client-credentials", credentials: ccCredentials("0oaprov4", makeKeyPair("ec", { curve: "P-384" }).privateJwk) })),
    ]);
    expect(bad.outcomes[0]).toMatchObject({ outcome: "failed", error: { error: "ValidationFailure", message: expect.stringMatching(/privateKey uses an unsupported curve \(P-384\)/) } });
    expect(okta.count()).toBe(seen);
  });
});
