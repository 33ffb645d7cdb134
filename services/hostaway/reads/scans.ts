import { GatewayError } from '../../errors.js'
import type { CallSpec } from '../call/executor.js'
import { SCAN_PAGE_SIZE, bookingEndpoints, listingEndpoints } from '../endpoints.js'
import type { RateBudget } from './cost.js'
import { listingPagesToRead, nextReservationStep } from './planner.js'

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
  /** pages in flight at once (BATCH_CONCURRENCY): the rate limiter's fair queue orders them among other callers' calls */
  concurrency: number
  /** the upstream budget now (for the wall-time estimates of the cost model); undefined: unknown */
  budget (): RateBudget | undefined
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
  if (!(a instanceof GatewayError)) return b
  return b instanceof GatewayError && b.attempts > a.attempts ? b : a
}

/**
 * Reads `pages`, `ctx.concurrency` at once, each handed to `got` as it comes; stops sending pages
 * once those not sent yet outnumber the ids left (their GETs cost less: the rule that
 * keeps a scan within full scan + 1, planner.ts). After a failure no page is sent; the furthest
 * failure is thrown when the pages in flight are done.
 */
async function readPages (ctx: ScanContext, pages: readonly number[], readOne: (page: number) => Promise<Page>, got: (page: number, result: Page) => void): Promise<void> {
  const queue = [...pages]
  let failure: unknown
  const worker = async () => {
    for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
      if (failure !== undefined || queue.length + 1 > ctx.pending().length) return
      try {
        got(page, await readOne(page))
      } catch (err) {
        failure = furthest(failure, err)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ctx.concurrency, pages.length)) }, worker))
  if (failure !== undefined) throw failure
}

/**
 * Listings: probe page 0 when the count is unknown, then the pages the planner chooses,
 * concurrently; remembers the count and what each page held. Throws the furthest failure.
 */
export async function scanListings (ctx: ScanContext, memo: ListingMemo): Promise<void> {
  const read = new Set<number>()
  let spent = 0
  let resolved = 0
  for (;;) {
    const pages = listingPagesToRead({
      wanted: ctx.pending(), spent, resolved, count: memo.count, pageSize: SCAN_PAGE_SIZE, read, index: memo.pages, concurrency: ctx.concurrency, budget: ctx.budget()
    })
    if (pages.length === 0) return
    for (const page of pages) read.add(page)
    await readPages(ctx, pages, async (page) => {
      spent++
      return await ctx.read(listingEndpoints.page(page * SCAN_PAGE_SIZE), `page:listings:${page}`)
    }, (page, result) => {
      memo.pages.set(page, new Set(result.items.map(idOf).filter((id) => id !== undefined)))
      resolved += ctx.take(result)
      if (result.count !== undefined) memo.count = result.count
    })
  }
}

/**
 * Reservations: a cursor walk of the default order (most recently changed first), one page at a
 * time while the next recent page is the cheapest plan; when the rest of the list is, its pages
 * by offset (the order's positions k·pageSize…, as the walk's first k pages were), concurrently.
 */
export async function walkReservations (ctx: ScanContext): Promise<void> {
  let spent = 0
  let resolved = 0
  let afterId: number | undefined
  let last: { resolved: number, length: number } | undefined
  let count: number | undefined
  for (;;) {
    const pagesLeft = count === undefined ? undefined : Math.max(0, Math.ceil(count / SCAN_PAGE_SIZE) - spent)
    const step = nextReservationStep({ unresolved: ctx.pending().length, spent, resolved, last, pageSize: SCAN_PAGE_SIZE, pagesLeft, concurrency: ctx.concurrency, budget: ctx.budget() })
    if (step === 'stop') return
    if (step === 'scan') {
      const pages = Array.from({ length: pagesLeft ?? 0 }, (_, i) => spent + i)
      await readPages(ctx, pages, async (page) => await ctx.read(bookingEndpoints.offsetPage(page * SCAN_PAGE_SIZE), `page:reservations:offset:${page * SCAN_PAGE_SIZE}`), (_, result) => { ctx.take(result) })
      return
    }
    spent++
    const page = await ctx.read(bookingEndpoints.page(afterId), `page:reservations:${afterId ?? 'top'}`)
    const taken = ctx.take(page)
    resolved += taken
    last = { resolved: taken, length: page.items.length }
    if (page.count !== undefined) count = page.count
    afterId = idOf(page.items.at(-1))
    if (afterId === undefined) return
  }
}
