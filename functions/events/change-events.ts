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
