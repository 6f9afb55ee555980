import { describe, expect, it } from "vitest";
import { createLogger } from "../../functions/core/logger";
import { makeKeyPair } from "../support/service-app-keys";
import { findPrivateKeys } from "../support/token-shapes";

describe("the log redactor, last line of defence", () => {
  it("drops a private key that reached a log line: PEM, JWK object, JWK as JSON text", () => {
    const rsa = makeKeyPair("rsa");
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    logger.error("oops", { pem: rsa.pem, jwk: rsa.privateJwk, text: JSON.stringify(rsa.privateJwk) });
    const line = lines.join("\n");
    for (const secret of [rsa.d, rsa.privateJwk.p!, rsa.privateJwk.qi!, rsa.pem.split("\n")[1]!]) expect(line).not.toContain(secret);
    expect(findPrivateKeys(lines)).toEqual([]);
    expect(line).toContain(rsa.publicJwk.n!); // the public part is not a secret
  });

  it("drops each form on a line of its own (one scan decides whether any pattern runs)", () => {
    const rsa = makeKeyPair("rsa");
    const ec = makeKeyPair("ec");
    const forms = { pem: rsa.pem, jwk: rsa.privateJwk, text: JSON.stringify(rsa.privateJwk), ecText: JSON.stringify(ec.privateJwk), nested: JSON.stringify(JSON.stringify(ec.privateJwk)) };
    for (const [name, value] of Object.entries(forms)) {
      const lines: string[] = [];
      createLogger((line) => lines.push(line)).warn("oops", { [name]: value });
      expect(findPrivateKeys(lines), name).toEqual([]);
      for (const secret of [rsa.d, rsa.pem.split("\n")[1]!, ec.privateJwk.d!]) expect(lines[0], name).not.toContain(secret);
    }
  });

  it("drops an API token on a line of its own, and leaves a line without a secret's shape as it was", () => {
    const lines: string[] = [];
    const logger = createLogger((line) => lines.push(line));
    const apiToken = `00${"aB3_-".repeat(8)}`;
    logger.info("oops", { note: `token ${apiToken}` });
    // Keys ending in d or p and long ids: what the old member-name hint took for a JWK.
    const clean = { id: "a".repeat(40), connectionId: "0b6f6a56-3a53-4a6f-8a3f-5f0e2f6c9b1d", step: "p".repeat(20), text: '{"dq":"short"}' };
    logger.info("fine", clean);
    expect(lines[0]).not.toContain(apiToken);
    expect(lines[0]).toContain("[REDACTED]");
    expect(JSON.parse(lines[1]!)).toMatchObject(clean);
  });
});
