import { HostawayError } from '../../errors.js'
import type { CallSpec } from '../call/caller.js'
import { SCAN_PAGE_SIZE, bookingEndpoints, listingEndpoints } from '../endpoints.js'
import { listingPagesToRead, readNextReservationPage } from './planner.js'

/**
 * The two page scans of the lookup planner (the decisions are planner.ts', the plan around them
 * lookups.ts'): which list pages to read, in which order, and when to stop.
 */

/** A list page read for a plan, and the attempts it took. */
export interface Page { items: unknown[], count: number | undefined, attempts: number }

/** What a scan strategy may do: read a page (shared with concurrent plans), and take the wanted ids it holds. */
export interface ScanContext {
  /** the wanted ids still unresolved */
  pending (): number[]
  read (spec: CallSpec, shareKey: string): Promise<Page>
  /** resolves the wanted ids the page holds; returns how many */
  take (page: Page): number
}

/** What the listing scans learn across plans: the account's listing count and the ids each page held when last read. */
export interface ListingMemo {
  /** from the last unfiltered list envelope */
  count: number | undefined
  /** which pages to read first, which to skip */
  pages: Map<number, ReadonlySet<number>>
}

/** The `id` of a Hostaway object, when it has a usable one. */
export function idOf (value: unknown): number | undefined {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined
}

/** Of two page failures, the one that got further (a sent page over one never sent). */
function furthest (a: unknown, b: unknown): unknown {
  if (!(a instanceof HostawayError)) return b
  return b instanceof HostawayError && b.attempts > a.attempts ? b : a
}

/**
 * Listings: probe page 0 when the count is unknown, then the pages the planner allows, concurrently;
 * remembers the count and what each page held. Throws the furthest failure of a round.
 */
export async function scanListings (ctx: ScanContext, memo: ListingMemo): Promise<void> {
  const read = new Set<number>()
  let spent = 0
  let resolved = 0
  for (;;) {
    const pages = listingPagesToRead({ wanted: ctx.pending(), spent, resolved, count: memo.count, pageSize: SCAN_PAGE_SIZE, read, index: memo.pages })
    if (pages.length === 0) return
    spent += pages.length
    const results = await Promise.allSettled(pages.map((page) => ctx.read(listingEndpoints.page(page * SCAN_PAGE_SIZE), `page:listings:${page}`)))
    let failure: unknown
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        failure = furthest(failure, result.reason)
        return
      }
      read.add(pages[i])
      memo.pages.set(pages[i], new Set(result.value.items.map(idOf).filter((id) => id !== undefined)))
      resolved += ctx.take(result.value)
      if (result.value.count !== undefined) memo.count = result.value.count
    })
    if (failure !== undefined) throw failure
  }
}

/** Reservations: a cursor walk of the default order (most recently changed first), one page at a time, while pages pay. */
export async function walkReservations (ctx: ScanContext): Promise<void> {
  let spent = 0
  let resolved = 0
  let afterId: number | undefined
  let last: { resolved: number, length: number } | undefined
  while (readNextReservationPage({ unresolved: ctx.pending().length, spent, resolved, last, pageSize: SCAN_PAGE_SIZE })) {
    spent++
    const page = await ctx.read(bookingEndpoints.page(afterId), `page:reservations:${afterId ?? 'top'}`)
    const taken = ctx.take(page)
    resolved += taken
    last = { resolved: taken, length: page.items.length }
    afterId = idOf(page.items.at(-1))
    if (afterId === undefined) return
  }
}
