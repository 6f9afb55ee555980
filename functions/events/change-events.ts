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
