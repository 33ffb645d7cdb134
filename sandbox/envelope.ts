import type { Page } from './store.js'

/** Hostaway's envelope around a page of a list. */
export function envelope<T> (page: Page<T>) {
  const { items, count, limit, offset, position = offset ?? 0 } = page
  return {
    status: 'success' as const,
    result: items,
    count,
    limit,
    offset,
    page: limit === null ? 1 : Math.floor(position / limit) + 1,
    totalPages: limit === null ? (count > 0 ? 1 : 0) : Math.ceil(count / limit)
  }
}

/** Hostaway's envelope around one object (or a whole, unpaginated array such as a calendar). */
export function single<T> (result: T) {
  const count = Array.isArray(result) ? result.length : 1
  return { status: 'success' as const, result, count, limit: null, offset: null, page: 1, totalPages: 1 }
}
