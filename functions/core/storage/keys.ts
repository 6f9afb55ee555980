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
 *
 * `<scope>` is the project id, or `!` for org-level connections. Ids and names never contain `#` or
 * `!` (the schemas forbid them), so prefixes cannot bleed into each other.
 */
export const TABLE_SCHEMA = {
  partitionKey: "PK",
  sortKey: "SK",
  indexes: [{ name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK", projection: "ALL" }],
  /** Epoch seconds; only provisioning watermarks carry it. The stack must enable TTL on this attribute. */
  ttlAttribute: "expiresAt",
} as const;

export const TTL_ATTRIBUTE = TABLE_SCHEMA.ttlAttribute;

export const GSI1 = TABLE_SCHEMA.indexes[0].name;

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
