/**
 * The decisions of the batch lookup planner, as pure functions (no I/O): which list pages to read
 * instead of one GET per id, and when to stop. The rule that keeps a plan "never worse than
 * per-id" is a credit: one call may be spent on trust (the probe), every further page must be
 * paid for by the wanted ids the pages already read resolved. So at any moment
 * `pages read ≤ ids they resolved + 1`, and the whole lookup costs at most one call more than
 * one GET per id (pages + the ids they did not resolve ≤ ids + 1), whatever the upstream answers.
 */

/** Fewest uncached ids worth a scan: with two, a page saves at most one call and risks one. */
export const MIN_SCAN_IDS = 3

/** What a plan has spent and won so far. */
export interface ScanProgress {
  /** wanted ids still unresolved */
  unresolved: number
  /** pages this plan has read (or tried to) */
  spent: number
  /** wanted ids those pages resolved */
  resolved: number
}

/** Pages the credit allows now: 1 (the probe) plus every id resolved, minus the pages already read. */
export function credit ({ spent, resolved }: Pick<ScanProgress, 'spent' | 'resolved'>): number {
  return Math.max(0, 1 + resolved - spent)
}

/**
 * Listings: the account's whole list, ⌈count / pageSize⌉ pages by offset, holds every listing.
 * Returns the page numbers (0-based) to read now, concurrently; [] means: stop, GET the rest by id.
 * - count unknown: page 0 alone (the probe; its envelope tells the count);
 * - `index` (the ids each page held when last read) ranks the pages: those known to hold wanted
 *   ids first (most first), then pages never read; a page known to hold none is skipped (an id
 *   that moved is still found by its GET);
 * - a scan starts only for MIN_SCAN_IDS ids or more, and only while the pages left are fewer
 *   than the ids left (else per-id is no dearer and is certain);
 * - at most `credit` pages at once.
 */
export function listingPagesToRead (progress: Omit<ScanProgress, 'unresolved'> & {
  wanted: readonly number[]
  count: number | undefined
  pageSize: number
  /** pages this plan has read */
  read: ReadonlySet<number>
  index: ReadonlyMap<number, ReadonlySet<number>>
}): number[] {
  const { wanted, spent, count, pageSize, read, index } = progress
  if (wanted.length === 0 || (spent === 0 && wanted.length < MIN_SCAN_IDS)) return []
  if (count === undefined) return read.has(0) ? [] : [0]
  const ranked: Array<{ page: number, known: number }> = []
  for (let page = 0; page < Math.ceil(count / pageSize); page++) {
    if (read.has(page)) continue
    const held = index.get(page)
    const known = held === undefined ? 0 : wanted.filter((id) => held.has(id)).length
    if (held !== undefined && known === 0) continue
    ranked.push({ page, known })
  }
  if (ranked.length >= wanted.length) return []
  ranked.sort((a, b) => b.known - a.known || a.page - b.page)
  return ranked.slice(0, credit(progress)).map((r) => r.page)
}

/**
 * Reservations: a cursor walk from the top of the default order (most recently changed first),
 * one page at a time. Whether to read the next page:
 * - every page only while MIN_SCAN_IDS ids or more are left;
 * - a next page only while the last one was full (a shorter one ends the list), resolved at least
 *   two wanted ids (fewer does not beat one GET per id: the recent changes are behind us), and
 *   the credit allows it.
 */
export function readNextReservationPage (progress: ScanProgress & { last?: { resolved: number, length: number }, pageSize: number }): boolean {
  const { unresolved, spent, last, pageSize } = progress
  if (spent === 0) return unresolved >= MIN_SCAN_IDS
  if (last === undefined) return false
  if (unresolved < MIN_SCAN_IDS || last.length < pageSize || last.resolved < 2) return false
  return credit(progress) >= 1
}
