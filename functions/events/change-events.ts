import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import type { EventEntry } from "./publisher";

type Image = Record<string, AttributeValue>;
const DETAIL_TYPES = { INSERT: "app-connection.created", MODIFY: "app-connection.updated", REMOVE: "app-connection.deleted" } as const;

const str = (image: Image | undefined, name: string) => image?.[name]?.S;
const num = (image: Image | undefined, name: string) => (image?.[name]?.N === undefined ? undefined : Number(image[name]!.N));

/**
 * Turns one stream record of the table into its change event, or `null` for items that are not
 * connections (name locks, audit events, provisioning watermarks). Only named, non-secret
 * attributes are read: the sealed token is never touched, so it cannot leak into an event.
 * `eventId` (the stream record's id) and `version` let consumers drop duplicates and reorderings.
 */
export function changeEventOf(record: DynamoDBRecord): EventEntry | null {
  const kind = record.eventName;
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.dynamodb?.OldImage;
  const image = kind === "REMOVE" ? oldImage : newImage;
  if (!kind || !image || str(image, "type") !== "connection") return null;
  // A health write (section 8) leaves version as it was: it is not a change of the connection.
  if (kind === "MODIFY" && num(oldImage, "version") === num(newImage, "version")) return null;
  const hashBefore = str(oldImage, "credentialsHash");
  const hashAfter = str(newImage, "credentialsHash");
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const streamTime = seconds === undefined ? new Date() : new Date(seconds * 1000);
  // A write's own time is exact; a delete has none stored, so the stream's (coarser) time stands in.
  const occurredAt = kind === "REMOVE" ? streamTime.toISOString() : (str(image, "updatedAt") ?? streamTime.toISOString());
  const time = new Date(occurredAt);
  return {
    detailType: DETAIL_TYPES[kind],
    time,
    detail: {
      eventId: record.eventID ?? `${str(image, "id")}:${num(image, "version")}:${kind}`,
      connectionId: str(image, "id"),
      orgId: str(image, "orgId"),
      projectId: str(image, "projectId") ?? null,
      name: str(image, "name"),
      app: "okta",
      version: num(image, "version"),
      // Set on creation, changed on an update only when the hash changed, never on a delete.
      credentialsUpdated: kind === "INSERT" || (kind === "MODIFY" && hashBefore !== hashAfter),
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
