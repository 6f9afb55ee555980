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
});
