import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, type BundleReport } from "../../scripts/build";

/**
 * The API Lambda's cold path (issue 17): what its start chunks contain. Reads need neither the
 * credential code (KMS, the URL guard, the Okta client: functions/core/lazy-parts.ts loads it on
 * first use) nor JWT verification (API Gateway's authorizer verified the token). Only esbuild runs.
 */
const ROOT = join(import.meta.dirname, "..", "..");
let outdir: string;
let report: BundleReport;
let atStart: string[];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "api-cold-path-"));
  report = await bundle("api-cold-path-test", join(ROOT, "functions", "api", "lambda.ts"), outdir);
  atStart = report.startInputs;
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const LOADED_ON_FIRST_USE = [
  "node_modules/@aws-sdk/client-kms/",
  "node_modules/ipaddr.js/",
  "node_modules/jose/",
  "functions/core/credential-parts.ts",
  "functions/core/crypto/envelope.ts",
  "functions/core/crypto/kms-client.ts",
  "functions/core/okta/access.ts",
  "functions/core/okta/url-guard.ts",
  "functions/core/okta/api-token.ts",
  "functions/core/okta/client-credentials.ts",
  "functions/core/okta/dpop.ts",
  "functions/core/okta/token-cache.ts",
  "functions/core/okta/service-app-key.ts",
  "functions/core/okta/jose.ts",
  "functions/api/openapi.ts",
  "functions/api/auth.ts",
];

describe("the API Lambda's start chunks", () => {
  it("hold the read path: the app, the store, the DynamoDB client and the lazy seam", () => {
    for (const input of ["functions/api/app.ts", "functions/core/storage/dynamo-store.ts", "functions/core/lazy-parts.ts", "functions/api/gateway-auth.ts"]) {
      expect(atStart).toContain(input);
    }
    expect(atStart.some((input) => input.startsWith("node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
  });

  it("hold nothing of the write path or of JWT verification", () => {
    expect(atStart.filter((input) => LOADED_ON_FIRST_USE.some((prefix) => input.startsWith(prefix)))).toEqual([]);
  });

  it("are few: each start file costs a cold start a read and a compile", () => {
    // 13 today: the entry, the AWS SDK's shared chunks (the floor has the same 8), zod, and the few
    // modules the lazy chunks share with the start path (errors, schemas, sealing). A module that
    // is both imported at start and by a lazy chunk becomes one more file: pass it in instead.
    expect(report.startFiles.length).toBeLessThanOrEqual(13);
  });

  it("still ship that code, in chunks loaded on first use", () => {
    const built = report.inputs;
    for (const prefix of LOADED_ON_FIRST_USE.filter((p) => p !== "functions/api/auth.ts")) {
      expect(built.some((input) => input.startsWith(prefix)), prefix).toBe(true);
    }
  });
});
