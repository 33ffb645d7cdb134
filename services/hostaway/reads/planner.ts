import { choosePlan, DEFAULT_LATENCY_MS, type Candidate, type RateBudget } from './cost.js'

/**
 * The decisions of the batch lookup planner, as pure functions (no I/O): which list pages to read
 * instead of one GET per id, and when to stop. The prices are cost.ts'; the rules that bound a
 * plan's cost whatever the upstream answers are these (U: uncached ids, P: pages of the whole
 * list, M: wanted ids no page holds — unknown ids, or ids the list leaves out):
 * - a scan of the rest of the list starts only when its pages are fewer than the ids left, and
 *   stops issuing pages as soon as they no longer are: a plan never costs more than a full scan
 *   + 1 (P + M, + the probe when a plan that read it chose per-id);
 * - the pages read before a scan (the probe, a walk of recent pages) are a credit: one page on
 *   trust, every further one paid for by the ids the pages already read resolved (`credit`): so a
 *   plan never costs more than per-id + 1 + M, and never more than per-id + 1 when the list holds
 *   every wanted id.
 * No rule can promise per-id + 1 whatever M is and also full scan + 1: the first pages of a scan
 * look the same whether the ids are further down the list or on no page at all.
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

/** What the cost model needs besides the pages: how many calls at once, and the budget now. */
export interface PlanContext {
  /** calls of one plan in flight at once (BATCH_CONCURRENCY) */
  concurrency: number
  budget?: RateBudget
  latencyMs?: number
}

/** Pages the credit allows now: 1 (the probe) plus every id resolved, minus the pages already read. */
export function credit ({ spent, resolved }: Pick<ScanProgress, 'spent' | 'resolved'>): number {
  return Math.max(0, 1 + resolved - spent)
}

/**
 * Listings: the account's whole list, ⌈count / pageSize⌉ pages by offset, holds every listing.
 * Returns the page numbers (0-based) to read now, concurrently; [] means: stop, GET the rest by id.
 * - count unknown: page 0 alone (the probe; its envelope tells the count), for MIN_SCAN_IDS ids or more;
 * - `index` (the ids each page held when last read) ranks the pages: those known to hold wanted
 *   ids first (most first), then pages never read; a page known to hold none is skipped (an id
 *   that moved is still found by its GET);
 * - then the cheapest of cost.ts: per-id, every page left, or only the pages known to hold ids.
 */
export function listingPagesToRead (progress: Omit<ScanProgress, 'unresolved'> & PlanContext & {
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
  ranked.sort((a, b) => b.known - a.known || a.page - b.page)
  const known = ranked.filter((r) => r.known > 0)
  if (ranked.length === 0) return []
  const candidates: Candidate[] = [{ kind: 'scan', pages: ranked.length, hits: wanted.length }]
  if (known.length > 0 && known.length < ranked.length) candidates.push({ kind: 'known_pages', pages: known.length, hits: known.reduce((n, r) => n + r.known, 0) })
  const plan = choosePlan({ unresolved: wanted.length, candidates, concurrency: progress.concurrency, latencyMs: progress.latencyMs ?? DEFAULT_LATENCY_MS, budget: progress.budget })
  return plan.kind === 'per_id' ? [] : ranked.slice(0, plan.pages).map((r) => r.page)
}

/** The next step of a reservation plan: the next page of the walk, every page left (by offset, at once), or per-id. */
export type ReservationStep = 'walk' | 'scan' | 'stop'

/**
 * Reservations: a cursor walk from the top of the default order (most recently changed first),
 * then, priced by cost.ts, the next page of the walk, the rest of the list, or per-id:
 * - the first page (the probe) only for MIN_SCAN_IDS ids or more;
 * - the walk goes on only while the last page was full (a shorter one ends the list), the
 *   credit allows it and MIN_SCAN_IDS ids are left; its price expects the next page to resolve what the last one did;
 * - the rest of the list is `pagesLeft` pages (from the envelope's count; undefined: unknown, no scan).
 */
export function nextReservationStep (progress: ScanProgress & PlanContext & { last?: { resolved: number, length: number }, pageSize: number, pagesLeft?: number }): ReservationStep {
  const { unresolved, spent, last, pageSize, pagesLeft } = progress
  if (spent === 0) return unresolved >= MIN_SCAN_IDS ? 'walk' : 'stop'
  if (last === undefined || unresolved === 0 || last.length < pageSize) return 'stop'
  const candidates: Candidate[] = []
  if (pagesLeft !== undefined && pagesLeft > 0) candidates.push({ kind: 'scan', pages: pagesLeft, hits: unresolved })
  if (credit(progress) >= 1 && unresolved >= MIN_SCAN_IDS) candidates.push({ kind: 'walk', pages: 1, hits: last.resolved, sequential: true })
  const plan = choosePlan({ unresolved, candidates, concurrency: progress.concurrency, latencyMs: progress.latencyMs ?? DEFAULT_LATENCY_MS, budget: progress.budget })
  return plan.kind === 'scan' ? 'scan' : plan.kind === 'walk' ? 'walk' : 'stop'
}
