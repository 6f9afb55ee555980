/**
 * A tiny stand-in for AWS KMS (no emulator exists on npm): the real `KMSClient` talks to anything that
 * speaks the KMS JSON 1.1 protocol. One master key in a 0600 file; the encryption context is the GCM
 * associated data, so a wrong context fails as on real KMS. It is as strict as KMS on what it checks
 * (local-kms-ops.ts) and on the protocol (below). Never logs: bodies carry plaintext keys.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createKeyRing, DEFAULT_KEY_NAME, keyArn, KmsFault, operationsOf } from "./local-kms-ops";

/** A running local KMS. */
export interface LocalKms {
  /** Base URL for `KMSClient({ endpoint })`, e.g. `http://127.0.0.1:54321`. */
  endpoint: string;
  /** ARN of the first key (`local-master` unless told otherwise; its alias and name are accepted too). */
  keyId: string;
  /** ARNs of all its keys, in the order given. */
  keyIds: string[];
  /** Requests seen per known operation (`GenerateDataKey`, `Encrypt`, `Decrypt`), for tests. */
  counts: Record<string, number>;
  /**
   * Tests only: answer every request with this KMS exception from now on (`AccessDeniedException`,
   * `DisabledException`, `ThrottlingException`, ...), as HTTP 400, or 500 for `KMSInternalException`;
   * `refuse(null)` serves again.
   */
  refuse(kmsType: string | null): void;
  close(): Promise<void>;
}

const CONTENT_TYPE = "application/x-amz-json-1.1";
const TARGET_PREFIX = "TrentService.";
/** KMS's own request size limit; a larger body is refused before it is read whole. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const INTERNAL = { __type: "KMSInternalException", message: "Internal error" };
// KMS answers its own faults with 5xx and every refusal with 400.
const statusOf = (kmsType: string) => (kmsType === "KMSInternalException" ? 500 : 400);

/**
 * Reads `${dataDir}/kms-master.key` (32 bytes), creating it with mode 0600 if missing; a file with a
 * looser mode is tightened to 0600. The same dataDir therefore opens data sealed in earlier runs.
 */
export async function loadOrCreateMasterKey(dataDir: string): Promise<Uint8Array> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "kms-master.key");
  try {
    const handle = await open(file, "wx", 0o600); // "wx": never overwrite a key that protects data
    await handle.writeFile(randomBytes(32)).finally(() => handle.close());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (((await stat(file)).mode & 0o777) !== 0o600) await chmod(file, 0o600);
  }
  const key = await readFile(file);
  if (key.length !== 32) throw new Error(`Master key file ${file} is not 32 bytes`);
  return new Uint8Array(key);
}

/**
 * Starts the local KMS on 127.0.0.1 and an ephemeral port unless told otherwise. The master key is
 * `masterKey`, else the one in `dataDir`, else a fresh in-memory key (data won't survive a restart).
 * `keys` names its keys (default `["local-master"]`); each is bound into the blobs it makes.
 */
export async function startLocalKms(
  opts: { dataDir?: string; masterKey?: Uint8Array; port?: number; host?: string; keys?: string[] } = {},
): Promise<LocalKms> {
  const master = opts.masterKey ?? (opts.dataDir ? await loadOrCreateMasterKey(opts.dataDir) : randomBytes(32));
  if (master.length !== 32) throw new Error("Master key must be 32 bytes");
  const names = opts.keys ?? [DEFAULT_KEY_NAME];
  const operations = operationsOf(createKeyRing(master, names));
  // Known operations only: a counter per name a request sends would grow without bound.
  const counts: Record<string, number> = Object.fromEntries(Object.keys(operations).map((op) => [op, 0]));
  let refusal: string | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const answer = (status: number, out: unknown) =>
      res.writeHead(status, { "content-type": CONTENT_TYPE }).end(JSON.stringify(out));
    const fail = (kmsType: string, message: string) => answer(statusOf(kmsType), { __type: kmsType, message });
    const target = String(req.headers["x-amz-target"] ?? "");
    const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    const run = req.method === "POST" && Object.hasOwn(operations, op) ? operations[op as keyof typeof operations] : undefined;
    if (!run) return fail("UnknownOperationException", "Unknown operation");
    counts[op]! += 1;
    if (String(req.headers["content-type"] ?? "").split(";")[0]!.trim() !== CONTENT_TYPE)
      return fail("SerializationException", `Content-Type must be ${CONTENT_TYPE}`);
    const raw = await readBody(req);
    if (raw === undefined) {
      res.setHeader("connection", "close"); // the rest of the body is never read
      return fail("ValidationException", `Request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    }
    if (refusal) return fail(refusal, `Refused by the local KMS (${refusal})`);
    try {
      const body: unknown = JSON.parse(raw.toString("utf8") || "{}");
      if (typeof body !== "object" || body === null || Array.isArray(body))
        return fail("SerializationException", "Body is not a JSON object");
      answer(200, run(body as Record<string, unknown>));
    } catch (error) {
      // Fixed messages only: JSON.parse's own message would quote request bytes (maybe a key).
      if (error instanceof SyntaxError) return fail("SerializationException", "Body is not valid JSON");
      if (error instanceof KmsFault) return fail(error.kmsType, error.message);
      answer(500, INTERNAL);
    }
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject).listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const closed = new Promise((resolve) => server.once("close", resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    keyId: keyArn(names[0]!),
    keyIds: names.map(keyArn),
    counts,
    refuse: (kmsType) => void (refusal = kmsType),
    close: async () => {
      if (server.listening) server.close().closeAllConnections(); // SDK sockets are kept alive: don't wait on them
      await closed;
    },
  };
}

/**
 * The request body, or undefined as soon as it is known to exceed MAX_REQUEST_BYTES (by its
 * Content-Length, else while it streams): reading stops there, nothing more is buffered. (Not a
 * `for await` loop: leaving one destroys the request, and its socket with the answer.)
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener("data", onData).removeListener("end", onEnd).pause();
      resolve(undefined);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) return stop();
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    if (Number(req.headers["content-length"] ?? 0) > MAX_REQUEST_BYTES) return stop();
    req.on("data", onData).once("end", onEnd).once("error", reject);
  });
}
