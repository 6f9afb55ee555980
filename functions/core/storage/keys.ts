/**
 * The table's key design, as pure data and pure functions. This is the ONLY module that builds
 * key strings; the infra check compares the deployed table against `TABLE_SCHEMA`.
 *
 * Items (one table):
 *   connection  PK=ORG#<org>                SK=CONN#<id>                      GSI1PK=ORG#<org>  GSI1SK=SCOPE#<scope>#NAME#<name>
 *   name lock   PK=ORG#<org>                SK=NAME#<scope>#<name>            (makes names unique: written in the same transaction)
 *   audit event PK=ORG#<org>#AUDIT#<scope>  SK=<createdAt>#<eventId>         (a delete's also carries `connectionVersion`,
 *                                                                             for its change event)
 *   provisioned PK=ORG#<org>                SK=PROVISIONED#<scope>#<name>     (last applied provisioning `sentAt` of a name;
 *                                                                             outlives a delete, expires via TTL `expiresAt`)
 *   connection  GSI2PK=HEALTHDUE#<n>        GSI2SK=<nextCheckAt>#<org>#<id>   (the health due index: sparse, keys only;
 *                                                                             `<n>` spreads writes over HEALTH_DUE_SHARDS partitions)
 *
 * `<scope>` is the project id, or `!` for org-level connections. Ids and names never contain `#` or
 * `!` (the schemas forbid them), so prefixes cannot bleed into each other.
 */
export const TABLE_SCHEMA = {
  partitionKey: "PK",
  sortKey: "SK",
  indexes: [
    { name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK", projection: "ALL" },
    { name: "GSI2", partitionKey: "GSI2PK", sortKey: "GSI2SK", projection: "KEYS_ONLY" },
  ],
  /** Epoch seconds; only provisioning watermarks carry it. The stack must enable TTL on this attribute. */
  ttlAttribute: "expiresAt",
} as const;

export const TTL_ATTRIBUTE = TABLE_SCHEMA.ttlAttribute;

export const GSI1 = TABLE_SCHEMA.indexes[0].name;
/** The health due index: connections by next-check time, so a sweep never scans the table. */
export const GSI2 = TABLE_SCHEMA.indexes[1].name;

const ORG_SCOPE = "!";
const scopeToken = (projectId: string | null) => projectId ?? ORG_SCOPE;

export interface ItemKey {
  PK: string;
  SK: string;
}

export const connectionKey = (orgId: string, connectionId: string): ItemKey => ({
  PK: `ORG#${orgId}`,
  SK: `CONN#${connectionId}`,
});

/** GSI1 places every connection of an org in one partition, sorted by scope then name. */
export const connectionIndexKey = (orgId: string, projectId: string | null, name: string) => ({
  GSI1PK: `ORG#${orgId}`,
  GSI1SK: `SCOPE#${scopeToken(projectId)}#NAME#${name}`,
});

/** A GSI1 query of one scope (`projectId`), of org-level connections (`null`), or of the whole org (`"*"`). */
export const scopeQuery = (orgId: string, projectId: string | null | "*") => ({
  GSI1PK: `ORG#${orgId}`,
  GSI1SKPrefix: projectId === "*" ? "SCOPE#" : `SCOPE#${scopeToken(projectId)}#NAME#`,
});

export const nameLockKey = (orgId: string, projectId: string | null, name: string): ItemKey => ({
  PK: `ORG#${orgId}`,
  SK: `NAME#${scopeToken(projectId)}#${name}`,
});

export const auditPartition = (orgId: string, projectId: string | null) =>
  `ORG#${orgId}#AUDIT#${scopeToken(projectId)}`;

/** Sort keys order by time first, so a descending query reads newest first. */
export const auditKey = (orgId: string, projectId: string | null, createdAt: string, eventId: string): ItemKey => ({
  PK: auditPartition(orgId, projectId),
  SK: `${createdAt}#${eventId}`,
});

/**
 * The provisioning watermark of one name: kept after a delete (until its TTL), so a message older
 * than the delete cannot bring the connection back.
 */
export const provisionedKey = (orgId: string, projectId: string | null, name: string): ItemKey => ({
  PK: `ORG#${orgId}`,
  SK: `PROVISIONED#${scopeToken(projectId)}#${name}`,
});

/**
 * Partitions of the due index. Every connection lands in one by a hash of its id, so no single
 * partition takes every health write; a sweep queries each of them (a handful of Queries).
 */
export const HEALTH_DUE_SHARDS = 8;

const shardOf = (connectionId: string) => {
  let hash = 0;
  for (const char of connectionId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % HEALTH_DUE_SHARDS;
};

export const healthDuePartition = (shard: number) => `HEALTHDUE#${shard}`;

/** Due-index keys of a connection whose next check is at `nextCheckAt` (ISO-8601, sorts as text). */
export const healthDueKey = (orgId: string, connectionId: string, nextCheckAt: string) => ({
  GSI2PK: healthDuePartition(shardOf(connectionId)),
  GSI2SK: `${nextCheckAt}#${orgId}#${connectionId}`,
});

/** Upper bound (exclusive) of the due-index sort keys of everything due at or before `at`. */
export const healthDueBefore = (at: string) => `${at}$`; // "$" sorts right after "#"

/** The connection a due-index sort key names. */
export function parseHealthDueKey(GSI2SK: string): { nextCheckAt: string; orgId: string; connectionId: string } | null {
  const [nextCheckAt, orgId, connectionId, ...rest] = GSI2SK.split("#");
  return nextCheckAt && orgId && connectionId && rest.length === 0 ? { nextCheckAt, orgId, connectionId } : null;
}
