import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import type { EventEntry } from "./publisher";

type Image = Record<string, AttributeValue>;

const str = (image: Image | undefined, name: string) => image?.[name]?.S;
const num = (image: Image | undefined, name: string) => (image?.[name]?.N === undefined ? undefined : Number(image[name]!.N));

/**
 * Turns one stream record of the table into its change event, or `null` for records that make
 * none (see `CHANGE_EVENT_FILTERS`, the same choice as the stack's filter). Only named, non-secret
 * attributes are read: the sealed token is never touched, so it cannot leak into an event.
 * `eventId` (the stream record's id) and `version` let consumers drop duplicates and reorderings.
 */
export function changeEventOf(record: DynamoDBRecord): EventEntry | null {
  const image = record.dynamodb?.NewImage;
  const kind = record.eventName;
  if (!image) return null;
  // A health write (section 8) leaves version as it was: it is not a change of the connection.
  if (kind === "MODIFY" && num(record.dynamodb?.OldImage, "version") === num(image, "version")) return null;
  if ((kind === "INSERT" || kind === "MODIFY") && str(image, "type") === "connection") return written(record, image, kind);
  if (kind === "INSERT" && str(image, "type") === "audit" && str(image, "action") === "delete-app-connection") return deleted(record, image);
  return null;
}

/** A create or update: the connection's new image has its own `updatedAt` and `version`. */
function written(record: DynamoDBRecord, image: Image, kind: "INSERT" | "MODIFY"): EventEntry {
  const hashBefore = str(record.dynamodb?.OldImage, "credentialsHash");
  const occurredAt = str(image, "updatedAt") ?? new Date().toISOString();
  return entry(kind === "INSERT" ? "app-connection.created" : "app-connection.updated", record, {
    connectionId: str(image, "id"),
    orgId: str(image, "orgId"),
    projectId: str(image, "projectId") ?? null,
    name: str(image, "name"),
    version: num(image, "version"),
    // Set on creation, on an update only when the hash changed.
    credentialsUpdated: kind === "INSERT" || hashBefore !== str(image, "credentialsHash"),
    occurredAt,
  });
}

/** A delete, from its audit item: the delete's own time (ms) and `connectionVersion`, one past the last write. */
function deleted(record: DynamoDBRecord, image: Image): EventEntry {
  return entry("app-connection.deleted", record, {
    connectionId: str(image, "connectionId"),
    orgId: str(image, "orgId"),
    projectId: str(image, "projectId") ?? null,
    name: image.metadata?.M?.name?.S,
    version: num(image, "connectionVersion"),
    credentialsUpdated: false,
    occurredAt: str(image, "createdAt") ?? new Date().toISOString(),
  });
}

type Fields = { connectionId?: string; version?: number; occurredAt: string } & Record<string, unknown>;

function entry(detailType: string, record: DynamoDBRecord, fields: Fields): EventEntry {
  const { occurredAt, ...rest } = fields;
  return {
    detailType,
    time: new Date(occurredAt),
    detail: {
      eventId: record.eventID ?? `${fields.connectionId}:${fields.version}:${detailType}`,
      ...rest,
      app: "okta",
      occurredAt,
    },
  };
}

type Attrs = Record<string, AttributeValue> | undefined;
const field = (map: Attrs, name: string): Attrs => map?.[name]?.M as Attrs;
const healthOf = (image: Image | undefined) => field(image, "health");

/**
 * `app-connection.health-changed` when a write moved the connection's `health.status` (a check,
 * or new credentials resetting it): from the stream, so it exists exactly when the change
 * committed. Never on an unchanged status; only named, non-secret attributes are read.
 */
export function healthEventOf(record: DynamoDBRecord): EventEntry | null {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "MODIFY" || str(image, "type") !== "connection") return null;
  const before = healthOf(record.dynamodb?.OldImage);
  const after = healthOf(image);
  const from = str(before, "status") ?? "healthy"; // items older than health read as healthy
  const to = str(after, "status");
  if (!to || from === to) return null;
  const error = field(after, "error");
  const checkedAt = str(after, "checkedAt") ?? null;
  return {
    detailType: "app-connection.health-changed",
    time: new Date(checkedAt ?? Date.now()),
    detail: {
      eventId: `${record.eventID ?? `${str(image, "id")}:${checkedAt}`}:health`,
      connectionId: str(image, "id"),
      orgId: str(image, "orgId"),
      projectId: str(image, "projectId") ?? null,
      name: str(image, "name"),
      app: "okta",
      from,
      to,
      checkedAt,
      error: error ? { error: str(error, "error"), message: str(error, "message") } : null,
    },
  };
}

/** Every event one stream record yields: its change event and its health change, in that order. */
export const eventsOf = (record: DynamoDBRecord): EventEntry[] =>
  [changeEventOf(record), healthEventOf(record)].filter((entry): entry is EventEntry => entry !== null);
