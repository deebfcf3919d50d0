/**
 * The page's addresses: `#/` lists ids, `#/entity/<encodeURIComponent(id)>?at=<seq>`
 * opens one id at one point (shareable).
 * @module
 */

/** Where the page is. */
export type Route = { readonly page: 'ids' } | { readonly page: 'entity'; readonly id: string; readonly at: number | undefined };

/** Reads a location hash. */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = text.indexOf('?');
  const path = queryAt === -1 ? text : text.slice(0, queryAt);
  const search = new URLSearchParams(queryAt === -1 ? '' : text.slice(queryAt + 1));
  if (path.startsWith('/entity/')) {
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/entity/'.length));
    } catch {
      return { page: 'ids' };
    }
    const at = search.get('at');
    return { page: 'entity', id, at: at !== null && /^\d+$/.test(at) ? Number(at) : undefined };
  }
  return { page: 'ids' };
}

/** The hash of one id at one point. */
export function entityHash(id: string, at?: number): string {
  return `#/entity/${encodeURIComponent(id)}${at === undefined ? '' : `?at=${at}`}`;
}
