import type { AttributeValue } from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/**
 * Plain values → DynamoDB attribute values, for the items this store writes: the same items as
 * util-dynamodb's `marshall` with `removeUndefinedValues` (undefined members are left out), in
 * about a fifth of its time (every write builds one or more items). Strings, finite numbers within
 * 2^53, booleans, null, bytes, arrays, sets and plain objects; anything else is refused by name.
 * `skip` leaves out members by name.
 */
export function toItem(value: object, skip?: ReadonlySet<string>): Item {
  const out: Item = {};
  for (const name in value) {
    const member = (value as Record<string, unknown>)[name];
    if (member !== undefined && !skip?.has(name)) out[name] = toAttribute(member, name);
  }
  return out;
}

function toAttribute(value: unknown, name: string): AttributeValue {
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(safeNumber(value, name)) };
  if (typeof value === "boolean") return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.filter((v) => v !== undefined).map((v) => toAttribute(v, name)) };
  if (value instanceof Set) return toSet([...value], name);
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) return { M: toItem(value) };
  throw new Error(`attribute ${name} has a type this store does not write`);
}

/** A set of one kind (DynamoDB has no empty or mixed sets). */
function toSet(members: unknown[], name: string): AttributeValue {
  if (members.length > 0 && members.every((m) => typeof m === "string")) return { SS: members as string[] };
  if (members.length > 0 && members.every((m) => typeof m === "number")) return { NS: members.map((m) => String(safeNumber(m as number, name))) };
  if (members.length > 0 && members.every((m) => m instanceof Uint8Array)) return { BS: members as Uint8Array[] };
  throw new Error(`attribute ${name} is a set that is empty or mixes types`);
}

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

const toNumber = (text: string, name: string): number => safeNumber(Number(text), name);

/** A number both sides hold exactly, either way: past 2^53 (or not finite) it is refused, never rounded. */
function safeNumber(number: number, name: string): number {
  if (!Number.isFinite(number) || Math.abs(number) > Number.MAX_SAFE_INTEGER) throw new Error(`attribute ${name} holds a number outside the safe range`);
  return number;
}
