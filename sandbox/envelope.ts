/** A page of a list, before it is wrapped in Hostaway's envelope. */
export interface Page<T> {
  items: T[]
  /** all records matching the filters */
  count: number
  /** null = no limit */
  limit: number | null
  /** the offset applied; null when a cursor (afterId) was used instead */
  offset: number | null
  /** matching records before this page (default: offset) */
  position?: number
}

/** The page `limit` items from `offset` of a whole list. */
export function paginate<T> (all: T[], limit: number | undefined, offset: number | undefined): Page<T> {
  const start = offset ?? 0
  const items = limit === undefined ? all.slice(start) : all.slice(start, start + limit)
  return { items, count: all.length, limit: limit ?? null, offset: start }
}

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
