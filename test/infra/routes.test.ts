import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appRoutes, dynamoActionsUsedBy, STORE_SOURCE } from "./expectations";
import { samplePath, selectRoute } from "./gateway-routes";

// The pure parts of the offline infra check (the stack itself is checked by `npm run check:infra`).
describe("API Gateway route selection", () => {
  const routes = [
    "GET /healthz",
    "GET /docs",
    "ANY /api/{proxy+}",
    "GET /api/v1/items/{id}",
    "GET /api/v1/items/special",
    "POST /api/v1/{proxy+}",
  ];

  it("prefers exact paths, then variables, then the longest greedy prefix; a method over ANY", () => {
    expect(selectRoute(routes, "GET", "/healthz")).toBe("GET /healthz");
    expect(selectRoute(["GET /", ...routes], "GET", "/")).toBe("GET /");
    expect(selectRoute(routes, "GET", "/api/v1/items/special")).toBe("GET /api/v1/items/special");
    expect(selectRoute(routes, "GET", "/api/v1/items/42")).toBe("GET /api/v1/items/{id}");
    expect(selectRoute(routes, "POST", "/api/v1/items/42")).toBe("POST /api/v1/{proxy+}");
    expect(selectRoute(routes, "DELETE", "/api/v1/items/42")).toBe("ANY /api/{proxy+}");
  });

  it("misses what no route covers", () => {
    expect(selectRoute(routes, "POST", "/healthz")).toBeUndefined();
    expect(selectRoute(routes, "GET", "/api")).toBeUndefined();
    expect(selectRoute(routes, "GET", "/metrics")).toBeUndefined();
    expect(selectRoute([...routes, "$default"], "GET", "/metrics")).toBe("$default");
  });

  it("turns Hono patterns into sample paths", () => {
    expect(samplePath("/api/v1/app-connections/okta/:connectionId/validate")).toBe("/api/v1/app-connections/okta/sample-1/validate");
    expect(samplePath("/files/:name{.+\\.png}")).toBe("/files/sample-1");
  });
});

describe("what the check reads from the code", () => {
  it("lists the app's routes from createApp", () => {
    expect(appRoutes()).toEqual(expect.arrayContaining(["GET /healthz", "POST /api/v1/app-connections/okta"]));
  });

  it("derives IAM actions from the store's DynamoDB calls", () => {
    expect(dynamoActionsUsedBy(readFileSync(STORE_SOURCE, "utf8")).table).toEqual(
      expect.arrayContaining(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"]),
    );
    const source = `new QueryCommand({ IndexName: "I" }); new TransactWriteItemsCommand({ TransactItems: [{ Update: {} }, { ConditionCheck: {} }] })`;
    expect(dynamoActionsUsedBy(source)).toEqual({
      table: ["dynamodb:ConditionCheckItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      indexes: ["dynamodb:Query"],
    });
  });
});
