import { validationFailure } from "../errors";
import { PROXY_PATH_PREFIX } from "./policy";

/** The Okta request target of a proxied call: `path` absolute (`/api/v1/...`), `query` raw ("" if none). */
export interface OktaTarget {
  path: string;
  query: string;
}

const MAX_TARGET_LENGTH = 4096;
/** What RFC 3986 allows in a path (pchar and `/`), as sent on the wire. */
const PATH_CHARS = /^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
/** Printable ASCII without `#`: the query passes exactly as given. */
const QUERY_CHARS = /^[!-"$-~]*$/;
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

const refuse = (why: string) => validationFailure(`The proxied path ${why}`, [{ path: "path", message: why }]);

/** A segment decoded as often as it still decodes (so `%252e` is judged as `.` too). */
function decodedForms(segment: string): string[] {
  const forms = [segment];
  let current = segment;
  for (let i = 0; i < 3 && current.includes("%"); i++) {
    try {
      current = decodeURIComponent(current);
    } catch {
      break;
    }
    forms.push(current);
  }
  return forms;
}

/**
 * Judges the RAW `{path}?{query}` of a proxied call (what the caller sent after `/proxy/`, before
 * any server resolved dot segments or decoded it), so nothing Okta would read differently than
 * the policy does can leave: only `api/v1/...`, no `.`/`..` segments (encoded or not), no encoded
 * `/`, no `\`, no empty segment. Throws `ValidationFailure` (422).
 */
export function checkProxyTarget(raw: string): OktaTarget {
  if (raw.length > MAX_TARGET_LENGTH) throw refuse(`must be at most ${MAX_TARGET_LENGTH} characters`);
  const q = raw.indexOf("?");
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? "" : raw.slice(q + 1);
  if (path.includes("\\")) throw refuse("must not contain a backslash");
  if (!`/${path}`.startsWith(PROXY_PATH_PREFIX)) throw refuse(`must start with ${PROXY_PATH_PREFIX.slice(1)}`);
  if (!PATH_CHARS.test(path)) throw refuse("contains characters a URL path cannot carry");
  if (BAD_PERCENT.test(path)) throw refuse("contains a malformed percent-encoding");
  if (ENCODED_SEPARATOR.test(path)) throw refuse("must not contain an encoded '/' or '\\'");
  for (const segment of path.split("/")) {
    if (segment === "") throw refuse("must not contain empty segments");
    const forms = decodedForms(segment);
    if (forms.some((s) => s === "." || s === "..")) throw refuse("must not contain '.' or '..' segments");
    if (forms.some((s) => s.includes("/") || s.includes("\\"))) throw refuse("must not contain an encoded '/' or '\\'");
  }
  if (!QUERY_CHARS.test(query)) throw refuse("has a query with characters a URL cannot carry");
  return { path: `/${path}`, query };
}
