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

/** A list without `limit` answers at most this many items, then `nextCursor` (contract section 6). */
export const UNPAGED_LIMIT = 1000;

/**
 * The most store queries one page may cost. A member's token can name hundreds of projects, each
 * its own scope (one query each, even when empty): past this many the page ends early with a
 * `nextCursor`, so every request stays bounded however many scopes there are.
 */
export const MAX_QUERIES_PER_PAGE = 25;

/**
 * Reads one page across an ordered list of scopes (e.g. org-level, then each readable project),
 * each step being one store query. A page ends at `limit` (default `UNPAGED_LIMIT`) items or
 * `MAX_QUERIES_PER_PAGE` queries, whichever comes first; `nextCursor` is set when more may follow.
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
  const limit = request.limit ?? UNPAGED_LIMIT;
  const items: T[] = [];
  let { s: index, k: key } = state;
  for (let queries = 0; index < scopes.length && items.length < limit && queries < MAX_QUERIES_PER_PAGE; queries++) {
    const page = await query(scopes[index] as S, limit - items.length, key);
    items.push(...page.items);
    if (page.lastKey) key = page.lastKey;
    else [index, key] = [index + 1, undefined];
  }
  if (index >= scopes.length) return { items };
  return { items, nextCursor: cursors.encode({ s: index, k: key } satisfies PagingState, binding) };
}
