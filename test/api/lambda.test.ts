import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleToken, type FakeOkta } from "../support/fake-okta";
import { AUDIENCE, gatewayClaims, lambdaEvent as event, startLambda, type LambdaRig } from "../support/lambda";

/**
 * The Lambda entry point in AWS mode, driven by hand-built HTTP API v2 events: API Gateway's JWT
 * authorizer has verified the token, and its claims arrive as strings in
 * `requestContext.authorizer.jwt.claims`; KMS by key id.
 */
let rig: LambdaRig;
let okta: FakeOkta;
const invoke: LambdaRig["invoke"] = (e) => rig.invoke(e);

beforeAll(async () => {
  rig = await startLambda();
  okta = rig.okta;
});

afterAll(() => rig.close());

const LIST = "/api/v1/app-connections/okta";

describe("Lambda handler (API Gateway HTTP API v2)", () => {
  it("creates, reads and deletes with the claims API Gateway's authorizer verified", async () => {
    const apiToken = sampleToken("lambda");
    okta.validTokens.add(apiToken);
    const body = { name: "from-lambda", method: "api-token", projectId: "p1", credentials: { instanceUrl: okta.origin, apiToken } };
    const created = await invoke(event("POST", LIST, { body }));
    expect(created.statusCode).toBe(200);
    expect(created.json.appConnection).toMatchObject({ name: "from-lambda", projectId: "p1", orgId: "org-l", version: 1 });
    expect(created.body).not.toContain(apiToken);
    expect(created.headers?.["x-request-id"]).toBeTruthy();

    const id = created.json.appConnection.id;
    const listed = await invoke(event("GET", LIST, { query: "projectId=p1" }));
    expect(listed.json.appConnections.map((c: { id: string }) => c.id)).toEqual([id]);
    const validated = await invoke(event("POST", `${LIST}/${id}/validate`));
    expect(validated.json.valid).toBe(true);
    const deleted = await invoke(event("DELETE", `${LIST}/${id}`));
    expect(deleted.statusCode).toBe(200);
    expect((await invoke(event("GET", `${LIST}/${id}`))).statusCode).toBe(404);
  });

  it("reads project roles from the authorizer's string forms of `projects` (Go map text, JSON text)", async () => {
    const apiToken = sampleToken("lambda-roles");
    okta.validTokens.add(apiToken);
    const body = { name: "roles", method: "api-token", projectId: "p:2", credentials: { instanceUrl: okta.origin, apiToken } };
    expect((await invoke(event("POST", LIST, { body }))).statusCode).toBe(200);
    for (const projects of ["map[p1:admin p:2:viewer]", '{"p:2":"viewer"}']) {
      const viewer = gatewayClaims({ sub: "u2", org_role: "member", projects });
      const listed = await invoke(event("GET", LIST, { claims: viewer, query: "projectId=p:2" }));
      expect(listed.statusCode, projects).toBe(200);
      expect(listed.json.appConnections.map((c: { name: string }) => c.name)).toEqual(["roles"]);
      // A viewer may read, not create.
      const refused = await invoke(event("POST", LIST, { claims: viewer, body: { ...body, name: "by-viewer" } }));
      expect(refused.statusCode, projects).toBe(403);
    }
    // No projects claim: a plain member has no role in p:2.
    const member = gatewayClaims({ sub: "u3", org_role: "member" });
    expect((await invoke(event("GET", LIST, { claims: member, query: "projectId=p:2" }))).statusCode).toBe(403);
  });

  it("is 401 without authorizer claims, even with a bearer header: it verifies no token itself", async () => {
    const res = await invoke(event("GET", LIST, { claims: null, headers: { authorization: "Bearer a.b.c" } }));
    expect(res.statusCode).toBe(401);
    expect(res.json.error).toBe("Unauthorized");
  });

  it("refuses claims of another issuer or audience, expired ones and malformed ones", async () => {
    const past = String(Math.floor(Date.now() / 1000) - 10);
    const refused: Record<string, string>[] = [
      { iss: "https://evil.example/" },
      { aud: "other" },
      { exp: past },
      { exp: "soon" },
      { projects: "map[p1]" },
      { projects: "p1:admin" },
      { projects: "map[p1:owner]" },
      { org_id: "" },
      { org_role: "root" },
    ];
    for (const claims of refused) {
      const res = await invoke(event("GET", LIST, { claims: gatewayClaims(claims) }));
      expect(res.statusCode, JSON.stringify(claims)).toBe(401);
      expect(res.json.error).toBe("Unauthorized");
    }
    // An audience list, as the authorizer renders an array claim, is fine when it holds ours.
    const many = await invoke(event("GET", LIST, { claims: gatewayClaims({ aud: `[other ${AUDIENCE}]` }) }));
    expect(many.statusCode).toBe(200);
  });

  it("serves health, the OpenAPI document and the error envelope for unknown routes", async () => {
    expect((await invoke(event("GET", "/healthz", { claims: null }))).json).toEqual({ status: "ok" });
    expect((await invoke(event("GET", "/openapi.json", { claims: null }))).json.openapi).toBe("3.1.0");
    const missing = await invoke(event("GET", "/nope", { claims: null }));
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ statusCode: 404, error: "NotFound" });
  });
});
