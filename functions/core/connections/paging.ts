import type { CursorCodec } from "./cursor";
import type { StoreKey, StorePage } from "./store";

/** Where a multi-scope listing stands: which scope, and where inside it. */
interface PagingState {
  s: number;
  k?: StoreKey;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/**
 * Reads one page across an ordered list of scopes (e.g. org-level, then each readable project),
 * each scope being one store query. Without `limit` it reads everything and returns no cursor.
 */
export async function readPage<S, T>(opts: {
  scopes: S[];
  request: PageRequest;
  cursors: CursorCodec;
  binding: string;
  query: (scope: S, limit: number, startKey?: StoreKey) => Promise<StorePage<T>>;
}): Promise<{ items: T[]; nextCursor?: string }> {
  const { scopes, request, cursors, binding, query } = opts;
  const state: PagingState = request.cursor ? cursors.decode<PagingState>(request.cursor, binding) : { s: 0 };
  if (!Number.isInteger(state.s) || state.s < 0 || state.s > scopes.length) state.s = scopes.length;
  const limit = request.limit ?? Number.POSITIVE_INFINITY;
  const items: T[] = [];
  let { s: index, k: key } = state;
  while (index < scopes.length && items.length < limit) {
    const wanted = Number.isFinite(limit) ? limit - items.length : 1000;
    const page = await query(scopes[index] as S, wanted, key);
    items.push(...page.items);
    if (page.lastKey) key = page.lastKey;
    else [index, key] = [index + 1, undefined];
  }
  if (request.limit === undefined || index >= scopes.length) return { items };
  return { items, nextCursor: cursors.encode({ s: index, k: key } satisfies PagingState, binding) };
}
