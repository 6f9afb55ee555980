import type { AttributeValue } from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/**
 * DynamoDB attribute values → plain values, for the items this store writes: the same answers as
 * util-dynamodb's `unmarshall` (a number past 2^53 is refused rather than rounded), in a fraction
 * of its time: every read decodes an item, and on a GET by id the generic walk was a
 * real share of the service's own time. `skip` leaves out attributes by name (the table's keys).
 */
export function fromItem(item: Item, skip?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in item) if (!skip?.has(name)) out[name] = fromAttribute(item[name]!, name);
  return out;
}

function fromAttribute(value: AttributeValue, name: string): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return toNumber(value.N, name);
  if (value.M !== undefined) return fromItem(value.M);
  if (value.L !== undefined) return value.L.map((v) => fromAttribute(v, name));
  if (value.NULL !== undefined) return null;
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.B !== undefined) return value.B;
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map((n) => toNumber(n, name)));
  if (value.BS !== undefined) return new Set(value.BS);
  throw new Error(`attribute ${name} has a type this store does not read`);
}

function toNumber(text: string, name: string): number {
  const number = Number(text);
  if (!Number.isFinite(number) || Math.abs(number) > Number.MAX_SAFE_INTEGER) throw new Error(`attribute ${name} holds a number outside the safe range`);
  return number;
}
