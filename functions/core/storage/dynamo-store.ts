import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { withCheckedDefaults, withRecordDefaults, type AuditEvent, type CheckedConnection, type ConnectionRecord, type ListedConnection } from "../connections/model";
import {
  StoreConflictError,
  type ConnectionStore,
  type DueConnection,
  type ListFilter,
  type ProvisioningMark,
  type StoreConflictReason,
  type StoreKey,
} from "../connections/store";
import { serviceUnavailable } from "../errors";
import { fromItem, toItem } from "./attributes";
import { withStoreErrors } from "./aws-errors";
import * as keys from "./keys";

type Item = Record<string, AttributeValue>;
/** BatchGetItem's limit of keys per request, and how often its unprocessed keys are asked again. */
const BATCH_GET_MAX = 100;
const BATCH_GET_ATTEMPTS = 6;
/** A table key as attribute values (every read and write by key builds one). */
const keyItem = (key: keys.ItemKey): Item => ({ PK: { S: key.PK }, SK: { S: key.SK } });

/** The record's fields (its due time is stored as the due-index keys), the table's keys and the item type. */
function connectionItem(record: ConnectionRecord): Item {
  const due = record.nextCheckAt ? keys.healthDueKey(record.orgId, record.id, record.nextCheckAt) : undefined;
  const table = { ...keys.connectionKey(record.orgId, record.id), ...keys.connectionIndexKey(record.orgId, record.projectId, record.name), ...due, type: "connection" };
  return { ...toItem(record, STORED_AS_KEYS), ...toItem(table) };
}
const STORED_AS_KEYS: ReadonlySet<string> = new Set(["nextCheckAt"]);

/** A connection item as a record; a list's items (read without the secret) as listed connections. */
function recordFrom<R extends ListedConnection = ConnectionRecord>(item: Item): R {
  const record = fromItem(item, TABLE_ATTRIBUTES);
  const nextCheckAt = nextCheckAtOf(item);
  if (nextCheckAt) record.nextCheckAt = nextCheckAt;
  return withRecordDefaults<R>(record as R);
}

/** The due time a connection item keeps as its due-index key. */
function nextCheckAtOf(item: Item): string | undefined {
  const due = item.GSI2SK?.S;
  return due === undefined ? undefined : keys.parseHealthDueKey(due)?.nextCheckAt;
}

/** The table's own attributes on a connection item: keys and the item type, not record fields. */
const TABLE_ATTRIBUTES: ReadonlySet<string> = new Set(["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "type"]);

/**
 * What a list reads of a connection item: its keys and every field of a listed connection, never
 * the sealed secret (the largest attribute, which no list answer uses). A Record, so a new field of
 * the record cannot be left out of lists without the compiler saying so.
 */
const LISTED_FIELDS: Record<Exclude<keyof ListedConnection, "nextCheckAt">, true> = {
  id: true,
  orgId: true,
  projectId: true,
  name: true,
  description: true,
  method: true,
  instanceUrl: true,
  serviceApp: true,
  proxy: true,
  health: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  credentialsHash: true,
};
const LISTED = ["PK", "SK", "GSI1PK", "GSI1SK", ...Object.keys(LISTED_FIELDS)];
const listProjection = {
  ProjectionExpression: LISTED.map((_, i) => `#l${i}`).join(", "),
  names: Object.fromEntries(LISTED.map((name, i) => [`#l${i}`, name])),
};

/**
 * What a health check reads of a connection item: the keys (to match the batch's answers), the due
 * key (its nextCheckAt) and CheckedConnection's fields. A Record, for the same reason as LISTED_FIELDS.
 */
const CHECKED_FIELDS: Record<Exclude<keyof CheckedConnection, "nextCheckAt">, true> = {
  id: true,
  orgId: true,
  projectId: true,
  method: true,
  instanceUrl: true,
  serviceApp: true,
  secret: true,
  credentialsHash: true,
  health: true,
  createdAt: true,
};
const CHECKED = ["PK", "SK", "GSI2SK", ...Object.keys(CHECKED_FIELDS)];
const checkedProjection = {
  ProjectionExpression: CHECKED.map((_, i) => `#c${i}`).join(", "),
  ExpressionAttributeNames: Object.fromEntries(CHECKED.map((name, i) => [`#c${i}`, name])),
};

/** A checked connection from the attributes CHECKED reads. */
function checkedFrom(item: Item): CheckedConnection {
  const record = fromItem(item, TABLE_ATTRIBUTES) as Omit<CheckedConnection, "method" | "health">;
  const nextCheckAt = nextCheckAtOf(item);
  if (nextCheckAt) record.nextCheckAt = nextCheckAt;
  return withCheckedDefaults(record);
}

/** What a health write owns: an update that keeps the credentials leaves these as they are stored now. */
const HEALTH_ATTRIBUTES = new Set(["health", "GSI2PK", "GSI2SK"]);

/**
 * `before` → `after` as an Update of the attributes themselves, not a Put of the whole item: a
 * health check that committed between our read and this write keeps its result, unless the
 * credentials change (then `after` carries the new credentials' own health).
 */
function connectionUpdate(TableName: string, before: ConnectionRecord, after: ConnectionRecord) {
  const keepHealth = before.credentialsHash === after.credentialsHash;
  const owned = (name: string) => name !== "PK" && name !== "SK" && !(keepHealth && HEALTH_ATTRIBUTES.has(name));
  const next = Object.entries(connectionItem(after)).filter(([name]) => owned(name));
  const gone = Object.keys(connectionItem(before)).filter((name) => owned(name) && !next.some(([n]) => n === name));
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets = next.map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const removes = gone.map((name, i) => ((names[`#r${i}`] = name), `#r${i}`));
  return {
    TableName,
    Key: keyItem(keys.connectionKey(after.orgId, after.id)),
    UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** An update with a condition: both bring expression values. */
const guarded = <U extends { ExpressionAttributeValues: Item }>(update: U, guard: { ExpressionAttributeValues: Item }) => ({
  ...update,
  ...guard,
  ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...guard.ExpressionAttributeValues },
});

/** `health=` on a listing; items stored before health existed read as healthy (withRecordDefaults). */
function healthFilter(filter: ListFilter | undefined) {
  if (!filter?.health) return {};
  const clause = filter.health === "healthy" ? "(#health.#status = :health OR attribute_not_exists(#health))" : "#health.#status = :health";
  return { FilterExpression: clause, ExpressionAttributeNames: { "#health": "health", "#status": "status" }, healthValue: { ":health": filter.health } };
}

function dueFrom(item: Item): DueConnection {
  const due = keys.parseHealthDueKey(item.GSI2SK?.S ?? "");
  return { orgId: due?.orgId ?? "", id: due?.connectionId ?? "", nextCheckAt: due?.nextCheckAt ?? "" };
}

const AUDIT_TABLE_ATTRIBUTES: ReadonlySet<string> = new Set(["PK", "SK", "type", "connectionVersion"]);

function auditFrom(item: Item): AuditEvent {
  return fromItem(item, AUDIT_TABLE_ATTRIBUTES) as unknown as AuditEvent;
}

/**
 * `connectionVersion` (delete only: one past the deleted record's last version) is for the change
 * event: a delete leaves no connection item to carry its time and version, so the audit item
 * written in the same transaction does (functions/events/change-events.ts).
 */
function auditPut(tableName: string, event: AuditEvent, connectionVersion?: number): TransactWriteItem {
  const key = keys.auditKey(event.orgId, event.projectId, event.createdAt, event.id);
  const Item = toItem({ ...key, type: "audit", ...event, connectionVersion });
  return { Put: { TableName: tableName, Item, ConditionExpression: "attribute_not_exists(PK)" } };
}

function nameLockPut(tableName: string, record: ConnectionRecord): TransactWriteItem {
  const key = keys.nameLockKey(record.orgId, record.projectId, record.name);
  return {
    Put: {
      TableName: tableName,
      Item: toItem({ ...key, type: "name-lock", connectionId: record.id }),
      ConditionExpression: "attribute_not_exists(PK)", // name-is-free
    },
  };
}

function nameLockDelete(tableName: string, record: ConnectionRecord): TransactWriteItem {
  return {
    Delete: {
      TableName: tableName,
      Key: keyItem(keys.nameLockKey(record.orgId, record.projectId, record.name)),
      ConditionExpression: "connectionId = :id", // lock-belongs-to-this-connection
      ExpressionAttributeValues: toItem({ ":id": record.id }),
    },
  };
}

/** The provisioning watermark: written only if absent or older, so concurrent messages keep their order. */
function markPut(tableName: string, scope: Pick<ConnectionRecord, "orgId" | "projectId" | "name">, mark: ProvisioningMark) {
  const key = keys.provisionedKey(scope.orgId, scope.projectId, scope.name);
  return {
    TableName: tableName,
    Item: toItem({ ...key, type: "provisioned", sentAt: mark.sentAt, [keys.TTL_ATTRIBUTE]: mark.expiresAt }),
    ConditionExpression: "attribute_not_exists(PK) OR sentAt < :sentAt", // first-or-newer-message
    ExpressionAttributeValues: toItem({ ":sentAt": mark.sentAt }),
  };
}

/**
 * Reads one more item than asked, so the last page carries no key: a cursor is only handed out
 * when something really follows. `keyNames` are the attributes that make up a start key.
 */
function pageOf<T>(items: Item[], lastEvaluated: Item | undefined, limit: number, keyNames: string[], map: (item: Item) => T) {
  const pick = (item: Item) => Object.fromEntries(keyNames.map((name) => [name, item[name]?.S ?? ""])) as StoreKey;
  if (items.length > limit) {
    const kept = items.slice(0, limit);
    return { items: kept.map(map), lastKey: pick(kept[kept.length - 1] as Item) };
  }
  return { items: items.map(map), lastKey: lastEvaluated && (fromItem(lastEvaluated) as StoreKey) };
}

/** The transaction's item at `index` refused (or, `raced`, was busy in another transaction); say why in domain words. */
type ReasonOf = (index: number, oldItem: Item | undefined, raced?: boolean) => StoreConflictReason;

/**
 * The SDK gives every TransactWriteItems an idempotency token (ClientRequestToken) and keeps it
 * across its retries, so a retry after a lost answer (the write did commit) succeeds instead of
 * tripping our own conditions. test/reliability/faults.test.ts pins that behaviour.
 */
async function transact(client: DynamoDBClient, items: TransactWriteItem[], reasonOf: ReasonOf): Promise<void> {
  try {
    await withStoreErrors(() => client.send(new TransactWriteItemsCommand({ TransactItems: items })));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const index = reasons.findIndex((reason) => reason.Code === "ConditionalCheckFailed");
    if (index >= 0) throw new StoreConflictError(reasonOf(index, reasons[index]?.Item));
    // Another transaction held one of our items at that moment: it won the race.
    const raced = reasons.findIndex((reason) => reason.Code === "TransactionConflict");
    if (raced >= 0) throw new StoreConflictError(reasonOf(raced, {}, true));
    throw error;
  }
}

/** DynamoDB adapter of the store port: one table, keys from `./keys`; a read by id is one call, by name two. */
export function createDynamoStore(opts: { client: DynamoDBClient; tableName: string }): ConnectionStore {
  const { client, tableName: TableName } = opts;

  const versionGuard = (record: ConnectionRecord) => ({
    ConditionExpression: "version = :expectedVersion", // unchanged-since-read
    ExpressionAttributeValues: toItem({ ":expectedVersion": record.version }),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  });
  const connectionReason = (oldItem: Item | undefined): StoreConflictReason => (oldItem ? "version-mismatch" : "missing");
  /** Appends the mark as the transaction's last item; its refusal means `stale`, its race a retry. */
  const withMark = (items: TransactWriteItem[], record: ConnectionRecord, mark: ProvisioningMark | undefined, reasonOf: ReasonOf) => {
    if (!mark) return { items, reasonOf };
    const last = items.length;
    const markReason: ReasonOf = (index, oldItem, raced) =>
      index !== last ? reasonOf(index, oldItem, raced) : raced ? "version-mismatch" : "stale";
    return { items: [...items, { Put: markPut(TableName, record, mark) }], reasonOf: markReason };
  };
  const run = (plan: { items: TransactWriteItem[]; reasonOf: ReasonOf }) => transact(client, plan.items, plan.reasonOf);

  const getById: ConnectionStore["getById"] = async (orgId, id) => {
    const out = await withStoreErrors(() =>
      client.send(new GetItemCommand({ TableName, Key: keyItem(keys.connectionKey(orgId, id)), ConsistentRead: true })),
    );
    return out.Item ? recordFrom(out.Item) : null;
  };
  /** One BatchGetItem of at most 100 keys, its unprocessed keys asked again (with backoff) until none are left. */
  const readBatch = async (wanted: Item[]): Promise<Map<string, Item>> => {
    const found = new Map<string, Item>();
    let pending = wanted;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_GET_ATTEMPTS) throw serviceUnavailable("The database left part of a batch read unprocessed");
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const out = await withStoreErrors(() =>
        client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true, ...checkedProjection } } })),
      );
      for (const item of out.Responses?.[TableName] ?? []) found.set(`${item.PK?.S}\n${item.SK?.S}`, item);
      pending = out.UnprocessedKeys?.[TableName]?.Keys ?? [];
    }
    return found;
  };
  const getManyById: ConnectionStore["getManyById"] = async (ids) => {
    const wanted = ids.map(({ orgId, id }) => keys.connectionKey(orgId, id));
    // BatchGetItem refuses a request that names one key twice.
    const distinct = [...new Map(wanted.map((k) => [`${k.PK}\n${k.SK}`, keyItem(k)])).values()];
    const found = new Map<string, Item>();
    for (let i = 0; i < distinct.length; i += BATCH_GET_MAX) {
      for (const [key, item] of await readBatch(distinct.slice(i, i + BATCH_GET_MAX))) found.set(key, item);
    }
    return wanted.map((k) => {
      const item = found.get(`${k.PK}\n${k.SK}`);
      return item ? checkedFrom(item) : null;
    });
  };
  const idOfName: ConnectionStore["idOfName"] = async (orgId, projectId, name) => {
    const Key = keyItem(keys.nameLockKey(orgId, projectId, name));
    const out = await withStoreErrors(() =>
      client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true, ProjectionExpression: "connectionId" })),
    );
    return out.Item?.connectionId?.S ?? null;
  };

  return {
    getById,
    getManyById,

    /**
     * Strongly consistent: the name lock (read with ConsistentRead) says which connection holds the
     * name, then one GetItem by key. GSI1 is eventually consistent and could still show a renamed or
     * deleted connection right after the change.
     */
    async getByName(orgId, projectId, name) {
      const id = await idOfName(orgId, projectId, name);
      const record = id ? await getById(orgId, id) : null;
      // Renamed between the two reads: the name no longer belongs to it.
      return record && record.name === name && record.projectId === projectId ? record : null;
    },

    async isNameTaken(orgId, projectId, name) {
      const Key = keyItem(keys.nameLockKey(orgId, projectId, name));
      const out = await withStoreErrors(() =>
        client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true, ProjectionExpression: "PK" })),
      );
      return out.Item !== undefined;
    },

    idOfName,

    async create(record, audit, mark) {
      const put: TransactWriteItem = {
        Put: { TableName, Item: connectionItem(record), ConditionExpression: "attribute_not_exists(PK)" },
      };
      await run(withMark([put, nameLockPut(TableName, record), auditPut(TableName, audit)], record, mark, () => "name-taken"));
    },

    async update(before, after, audit, mark) {
      const renamed = before.name !== after.name;
      const items: TransactWriteItem[] = [
        { Update: guarded(connectionUpdate(TableName, before, after), versionGuard(before)) },
        ...(renamed ? [nameLockDelete(TableName, before), nameLockPut(TableName, after)] : []),
        auditPut(TableName, audit),
      ];
      // A failed old-lock delete means the connection moved on under us: same as a version change.
      const reasonOf: ReasonOf = (index, oldItem) =>
        index === 0 ? connectionReason(oldItem) : index === 1 ? "version-mismatch" : "name-taken";
      await run(withMark(items, after, mark, reasonOf));
    },

    async remove(record, audit, mark) {
      const del: TransactWriteItem = {
        Delete: { TableName, Key: keyItem(keys.connectionKey(record.orgId, record.id)), ...versionGuard(record) },
      };
      const reasonOf: ReasonOf = (index, oldItem) => (index === 0 ? connectionReason(oldItem) : "version-mismatch");
      const items = [del, nameLockDelete(TableName, record), auditPut(TableName, audit, record.version + 1)];
      await run(withMark(items, record, mark, reasonOf));
    },

    async getProvisioningMark(orgId, projectId, name) {
      const Key = keyItem(keys.provisionedKey(orgId, projectId, name));
      const out = await withStoreErrors(() =>
        client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true, ProjectionExpression: "sentAt" })),
      );
      return out.Item?.sentAt?.N === undefined ? null : Number(out.Item.sentAt.N);
    },

    async putProvisioningMark(orgId, projectId, name, mark) {
      try {
        await withStoreErrors(() => client.send(new PutItemCommand(markPut(TableName, { orgId, projectId, name }, mark))));
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StoreConflictError("stale");
        throw error;
      }
    },

    async listScope(orgId, scope, limit, startKey, filter) {
      const { GSI1PK, GSI1SKPrefix } = keys.scopeQuery(orgId, scope);
      const { healthValue, ExpressionAttributeNames, ...filtered } = healthFilter(filter);
      const out = await withStoreErrors(() =>
        client.send(
          new QueryCommand({
            TableName,
            IndexName: keys.GSI1,
            KeyConditionExpression: "GSI1PK = :pk AND begins_with(GSI1SK, :prefix)",
            ...filtered,
            ProjectionExpression: listProjection.ProjectionExpression,
            ExpressionAttributeNames: { ...listProjection.names, ...ExpressionAttributeNames },
            ExpressionAttributeValues: toItem({ ":pk": GSI1PK, ":prefix": GSI1SKPrefix, ...healthValue }),
            Limit: limit + 1,
            ExclusiveStartKey: startKey ? toItem(startKey) : undefined,
          }),
        ),
      );
      return pageOf(out.Items ?? [], out.LastEvaluatedKey, limit, ["PK", "SK", "GSI1PK", "GSI1SK"], (item) => recordFrom<ListedConnection>(item));
    },

    async appendAudit(event) {
      await withStoreErrors(() => client.send(new PutItemCommand(auditPut(TableName, event).Put!)));
    },

    async recordHealth(write) {
      const due = keys.healthDueKey(write.orgId, write.id, write.nextCheckAt);
      try {
        await withStoreErrors(() =>
          client.send(
            new UpdateItemCommand({
              TableName,
              Key: keyItem(keys.connectionKey(write.orgId, write.id)),
              UpdateExpression: "SET #health = :health, GSI2PK = :duePk, GSI2SK = :dueSk",
              // still-exists AND same-credentials-as-checked
              ConditionExpression: "attribute_exists(PK) AND credentialsHash = :checkedHash",
              ExpressionAttributeNames: { "#health": "health" },
              ExpressionAttributeValues: toItem({
                ":health": write.health,
                ":duePk": due.GSI2PK,
                ":dueSk": due.GSI2SK,
                ":checkedHash": write.credentialsHash,
              }),
            }),
          ),
        );
        return "recorded";
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return "superseded";
        throw error;
      }
    },

    async listDue(shard, before, limit, startKey) {
      const out = await withStoreErrors(() =>
        client.send(
          new QueryCommand({
            TableName,
            IndexName: keys.GSI2,
            KeyConditionExpression: "GSI2PK = :pk AND GSI2SK < :before",
            ExpressionAttributeValues: toItem({ ":pk": keys.healthDuePartition(shard), ":before": keys.healthDueBefore(before) }),
            Limit: limit + 1,
            ExclusiveStartKey: startKey ? toItem(startKey) : undefined,
          }),
        ),
      );
      return pageOf(out.Items ?? [], out.LastEvaluatedKey, limit, ["PK", "SK", "GSI2PK", "GSI2SK"], dueFrom);
    },

    async listAudit(orgId, projectId, limit, startKey) {
      const out = await withStoreErrors(() =>
        client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: "PK = :pk",
            ExpressionAttributeValues: toItem({ ":pk": keys.auditPartition(orgId, projectId) }),
            ScanIndexForward: false,
            Limit: limit + 1,
            ExclusiveStartKey: startKey ? toItem(startKey) : undefined,
          }),
        ),
      );
      return pageOf(out.Items ?? [], out.LastEvaluatedKey, limit, ["PK", "SK"], auditFrom);
    },
  };
}
