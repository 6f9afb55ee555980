import "../support/pulumi-closure";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../functions/local/free-port";
import type * as iac from "../../iac";
import { sampleToken } from "../support/fake-okta";
import { ROOT } from "../support/local-process";

/**
 * The component under Pulumi's mocks, bundled the way the SST CLI bundles a config (esbuild, @pulumi/*
 * left to the platform's copy): what it registers with the engine (inputs, secret markers,
 * `additionalSecretOutputs`), and the provider code Pulumi serializes into the stack, run on its own the
 * way the engine's dynamic-provider host runs it.
 */
interface Registration {
  type: string;
  name: string;
  inputs: Record<string, any>;
  additionalSecretOutputs: string[];
}
const registrations: Registration[] = [];
const apiToken = sampleToken("component");
const authToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kifQ.c2lnbmF0dXJl";

let OktaAppConnection: typeof iac.OktaAppConnection;

/** esbuild's output as Node loads it (under node_modules, so vitest leaves it untransformed); names kept, as tsx does. */
async function bundled(): Promise<typeof iac> {
  const dir = join(ROOT, "node_modules", ".cache", "iac");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `index-${process.pid}.mjs`);
  await build({ entryPoints: [join(ROOT, "iac", "index.ts")], outfile, bundle: true, format: "esm", platform: "node", keepNames: true, external: ["@pulumi/*"], logLevel: "error" });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

beforeAll(async () => {
  ({ OktaAppConnection } = await bundled());
  const secretOutputs = new Map<string, string[]>();
  await pulumi.runtime.setMocks({
    newResource(args) {
      registrations.push({ type: args.type, name: args.name, inputs: args.inputs, additionalSecretOutputs: secretOutputs.get(args.name) ?? [] });
      return { id: `${args.name}-id`, state: { version: 1, credentialsHash: "ab".repeat(32), health: null } };
    },
    call: (args) => args.inputs,
  });
  // additionalSecretOutputs travels in the RegisterResource request, which the mocks do not pass on.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: any, cb: unknown) => unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    secretOutputs.set(req.getName(), req.getAdditionalsecretoutputsList());
    return register(req, cb);
  };
});

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((done) => output.apply(done));
const unwrap = (value: unknown) => (pulumi.runtime.isRpcSecret(value) ? (value as { value: unknown }).value : value);

describe("OktaAppConnection under Pulumi mocks", () => {
  it("registers authToken and credentials as secrets (even when given as plain values), and lists them as secret outputs", async () => {
    const connection = new OktaAppConnection("okta-plain", {
      apiUrl: "https://connections.example.com",
      authToken,
      name: "okta-prod",
      projectId: "web",
      method: "api-token",
      credentials: { instanceUrl: "https://acme.okta.com", apiToken: pulumi.output(apiToken) },
    });
    expect(await resolved(connection.version)).toBe(1);
    expect(await resolved(connection.credentialsHash)).toBe("ab".repeat(32));

    const reg = registrations.find((r) => r.name === "okta-plain")!;
    expect(reg.type).toBe("pulumi-nodejs:dynamic/okta-app-connections:OktaAppConnection");
    expect(pulumi.runtime.isRpcSecret(reg.inputs.authToken)).toBe(true);
    expect(pulumi.runtime.isRpcSecret(reg.inputs.credentials)).toBe(true);
    expect(unwrap(reg.inputs.credentials)).toEqual({ instanceUrl: "https://acme.okta.com", apiToken });
    for (const plain of ["apiUrl", "name", "projectId", "method"]) expect(pulumi.runtime.isRpcSecret(reg.inputs[plain])).toBe(false);
    expect(reg.additionalSecretOutputs).toEqual(expect.arrayContaining(["authToken", "credentials"]));
  });

  it("serializes a provider that holds no secret and runs on its own, as the engine's provider host loads it", async () => {
    new OktaAppConnection("okta-serialized", {
      apiUrl: "https://connections.example.com",
      authToken,
      name: "okta-serialized",
      method: "api-token",
      credentials: { instanceUrl: "https://acme.okta.com", apiToken },
    });
    await expect.poll(() => registrations.some((r) => r.name === "okta-serialized")).toBe(true);
    const code = String(unwrap(registrations.find((r) => r.name === "okta-serialized")!.inputs.__provider));
    expect(code).not.toContain(apiToken);
    expect(code).not.toContain(authToken);

    // The same loader as @pulumi/pulumi's cmd/dynamic-provider.
    const requireFromString = createRequire(import.meta.resolve("@pulumi/pulumi"))("require-from-string") as (code: string) => { handler: () => any };
    const provider = requireFromString(code).handler();
    const news: iac.ConnectionInputs = { apiUrl: "https://c.example.com", authToken, name: "okta-a", method: "api-token", credentials: { instanceUrl: "https://acme.okta.com", apiToken } };
    const olds = { ...news, projectId: null, description: null, instanceUrl: "https://acme.okta.com", proxy: null, version: 1, credentialsHash: "c", deployedCredentialsHash: "c", credentialsFingerprint: "sha256:00:00", health: null } satisfies iac.ConnectionState;
    expect(await provider.diff("id", olds, { ...news, projectId: "web" })).toMatchObject({ changes: true, replaces: ["projectId"], diffs: ["projectId", "credentials"] });
    // Its calls go through the global fetch and come back as the deploy's `Code: message` errors.
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(provider.read("id", { ...olds, apiUrl: closed })).rejects.toThrow(/^Unreachable: could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });

  it("runs the example sst.config.ts: two connections, every token an sst.Secret, registered as secrets", async () => {
    // SST's globals at their edge: `$config` returns the config; an sst.Secret's value is a secret Output.
    const secretValues: Record<string, string> = {
      ConnectionsAuthToken: authToken,
      OktaProdApiToken: sampleToken("example-prod"),
      OktaStagingApiToken: sampleToken("example-staging"),
    };
    class Secret {
      readonly value: pulumi.Output<string>;
      constructor(name: string) {
        this.value = pulumi.secret(secretValues[name]!);
      }
    }
    Object.assign(globalThis, { $config: (config: unknown) => config, sst: { Secret } });
    const example = join(ROOT, "examples", "sst-connection", "sst.config.ts");
    const config = (await import(/* @vite-ignore */ example)).default as { run: () => Promise<Record<string, pulumi.Output<unknown>>> };
    const outputs = await config.run();
    expect(await resolved(outputs.oktaProdId!)).toBe("OktaProd-id");
    expect(await resolved(outputs.oktaStagingId!)).toBe("OktaStaging-id");

    const declared = registrations.filter((r) => r.name === "OktaProd" || r.name === "OktaStaging").sort((a, b) => a.name.localeCompare(b.name));
    expect(declared.map((r) => [r.name, unwrap(r.inputs.name), unwrap(r.inputs.projectId)])).toEqual([
      ["OktaProd", "okta-prod", "web"],
      ["OktaStaging", "okta-staging", "web"],
    ]);
    for (const reg of declared) {
      expect(pulumi.runtime.isRpcSecret(reg.inputs.authToken)).toBe(true);
      expect(pulumi.runtime.isRpcSecret(reg.inputs.credentials)).toBe(true);
      expect(unwrap(reg.inputs.authToken)).toBe(authToken);
    }
    expect((unwrap(declared[0]!.inputs.credentials) as { apiToken: string }).apiToken).toBe(secretValues.OktaProdApiToken);
    expect((unwrap(declared[1]!.inputs.credentials) as { apiToken: string }).apiToken).toBe(secretValues.OktaStagingApiToken);
    expect(unwrap(declared[0]!.inputs.proxy)).toEqual({ allow: ["GET /api/v1/users/**", "GET /api/v1/groups/**"] });
  });
});
