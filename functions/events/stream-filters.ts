/**
 * Which stream records make change events, as Lambda event-filter patterns (plain data: the stack
 * subscribes with exactly these, and a test checks them against `changeEventOf` on the real
 * stream). Created and updated come from the connection item's new image. Deleted comes from the
 * audit item written in the delete's own transaction: it carries the delete's exact time and the
 * version one past the last write, which the removed connection item cannot.
 */
export const CHANGE_EVENT_FILTERS = [
  { eventName: ["INSERT", "MODIFY"], dynamodb: { NewImage: { type: { S: ["connection"] } } } },
  { eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["audit"] }, action: { S: ["delete-app-connection"] } } } },
] as const;
