import { isoNow } from "./iso-time";

/**
 * Structured JSON log lines. A last line of defence redacts anything shaped like an Okta API
 * token or a private key (a PEM block, a JWK's private members), so a mistake elsewhere cannot put
 * one in a log.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const TOKEN_SHAPE = /00[A-Za-z0-9_-]{40}/g;

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[^]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
/** `"d":"..."` (and RSA's other private members), also escaped inside a JSON string. */
const JWK_PRIVATE_MEMBER = /(\\*"(?:d|p|q|dp|dq|qi)\\*"\s*:\s*\\*")[A-Za-z0-9_-]{16,}/g;

/** Whether any of the three could match, in one scan: most lines hold none and pay for that scan only. */
const ANY_SECRET_SHAPE = /00[A-Za-z0-9_-]{40}|PRIVATE KEY-----|\\*"(?:d|p|q|dp|dq|qi)\\*"\s*:\s*\\*"[A-Za-z0-9_-]{16}/;

export function redactSecrets(text: string): string {
  if (!ANY_SECRET_SHAPE.test(text)) return text;
  let clean = text.replace(TOKEN_SHAPE, "[REDACTED]");
  if (clean.includes("PRIVATE KEY-----")) clean = clean.replace(PEM_PRIVATE_KEY, "[REDACTED]");
  return clean.replace(JWK_PRIVATE_MEMBER, "$1[REDACTED]");
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line + "\n")): Logger {
  // Every request writes two lines (access and audit): the line is built as text, without copying
  // `fields` into a new object, and stamped by isoNow (toISOString cost a GET microseconds).
  const emit = (level: string, message: string, fields?: Record<string, unknown>) => {
    const head = `{"level":"${level}","time":"${isoNow()}","message":${JSON.stringify(message)}`;
    const rest = fields === undefined ? "{}" : JSON.stringify(fields);
    write(redactSecrets(rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`));
  };
  return {
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

/** Error facts safe to log: name, code and message, never request bodies. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { errorName: error.name, errorMessage: error.message, ...cause };
}
