import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { DEMO_CLIENTS_DIR } from "./demo-okta-oauth";

/**
 * `npm run keygen`: a service app key pair for the `client-credentials` method. Writes the private
 * key as PKCS#8 PEM and as a private JWK (mode 0600), the public JWK (what Okta's admin console
 * takes under the app's "Public keys"), and registers that public key with the demo Okta
 * (DATA_DIR/demo-okta-clients/<client id>.jwk.json). Prints paths only, never the key.
 */
const { values } = parseArgs({
  options: {
    type: { type: "string", default: "ec" },
    kid: { type: "string" },
    "client-id": { type: "string", default: "0oademoserviceapp" },
    out: { type: "string", default: "." },
    name: { type: "string", default: "service-app" },
  },
});

async function main() {
  const type = values.type;
  if (type !== "ec" && type !== "rsa") throw new Error("--type must be ec (P-256, ES256) or rsa (2048 bits, RS256)");
  const clientId = values["client-id"]!;
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(clientId)) throw new Error("--client-id must be 1-100 letters, digits, '_' or '-'");
  const alg = type === "ec" ? "ES256" : "RS256";
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(type === "rsa" ? { modulusLength: 2048 } : {}) });
  const kid = values.kid === undefined ? {} : { kid: values.kid };
  const privateJwk = { ...(await exportJWK(privateKey)), ...kid };
  const publicJwk = { ...(await exportJWK(publicKey)), ...kid, alg, use: "sig" };

  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const secretFile = (file: string, text: string) => (writeFileSync(join(out, file), text, { mode: 0o600 }), join(out, file));
  const pem = secretFile(`${values.name}.key.pem`, await exportPKCS8(privateKey));
  const jwk = secretFile(`${values.name}.key.jwk.json`, JSON.stringify(privateJwk, null, 2) + "\n");
  const pub = join(out, `${values.name}.pub.jwk.json`);
  writeFileSync(pub, JSON.stringify(publicJwk, null, 2) + "\n");

  const demoDir = join(process.env.DATA_DIR || ".data", DEMO_CLIENTS_DIR);
  mkdirSync(demoDir, { recursive: true });
  const registered = join(demoDir, `${clientId}.jwk.json`);
  writeFileSync(registered, JSON.stringify(publicJwk, null, 2) + "\n");

  process.stdout.write(
    [
      `${type === "ec" ? "EC P-256 (ES256)" : "RSA 2048 (RS256)"} key pair${values.kid ? ` with kid ${values.kid}` : ""}:`,
      `  private key, PKCS#8 PEM: ${pem}`,
      `  private key, JWK:        ${jwk}`,
      `  public key, JWK:         ${pub}   (Okta admin console: the service app's Public keys)`,
      `  demo Okta client ${clientId}: ${registered}`,
    ].join("\n") + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
