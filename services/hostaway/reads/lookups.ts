import type { FastifyBaseLogger } from 'fastify'
import type { Booking } from '../../../schemas/booking.js'
import type { Listing } from '../../../schemas/listing.js'
import { GatewayError } from '../../errors.js'
import { abortMessage } from '../../abort.js'
import type { CallExecutor, Envelope } from '../call/executor.js'
import { abortedError } from '../call/classify.js'
import { bookingEndpoints, listingEndpoints } from '../endpoints.js'
import type { RateBudget } from './cost.js'
import type { ReadThrough } from './read-through.js'
import { idOf, scanListings, walkReservations, type ListingMemo, type ScanContext } from './scans.js'
import type { CallOptions } from '../../seams.js'
import type { PlanRun, Strategy } from '../../batch/run.js'
import type { Telemetry } from '../../telemetry.js'

/** A read by id; `reported`: its cache lookup was reported already (by the plan) */
type FetchOne<T> = (id: number, opts: CallOptions, reported?: boolean) => Promise<T>

export interface LookupsDeps {
  reads: Pick<ReadThrough, 'lookup' | 'share' | 'primeAll' | 'epoch'>
  call: CallExecutor['call']
  /** the by-id reads (cache, negative cache, in-flight sharing) */
  fetchListing: FetchOne<Listing>
  fetchReservation: FetchOne<Booking>
  /** false: one GET per uncached id, the path before the planner (BATCH_PLANNER=off) */
  enabled: boolean
  /** list pages of one plan in flight at once (BATCH_CONCURRENCY); the fair queue orders them among other callers' calls */
  concurrency: number
  /** the upstream budget now, for the cost model's wall-time estimates (cost.ts); none: calls only */
  budget?: () => RateBudget | undefined
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>
  /** reports each plan: list pages read, ids they answered */
  telemetry: Pick<Telemetry, 'plannerPlan'>
}

/** One kind of object a plan looks up. */
interface Kind<T> {
  resource: 'listing' | 'reservation'
  key (id: number): string
  label (id: number): string
  /** its list, in messages: "GET /listings" */
  list: string
  fetchOne: FetchOne<T>
  scan (ctx: ScanContext): Promise<void>
}

/** An item a page was to answer for, when the batch stopped: timeout if that page was sent, else unprocessed. */
function pageAborted (kind: Kind<unknown>, id: number, err: GatewayError, signal: AbortSignal): GatewayError {
  const where = err.attempts > 0 ? `while ${kind.list} (a list page that may hold it) was in flight` : `before ${kind.list} (a list page that may hold it) was sent`
  return abortedError({ method: 'GET', label: kind.label(id), attempts: err.attempts }, `${abortMessage(signal)} ${where}`, err.retry_after_ms)
}

/**
 * An item a page was to answer for, when the rate limiter refused the page (its turn would come
 * past the batch deadline): unprocessed like the page, since its own GET could not start sooner.
 */
function pageRefused (kind: Kind<unknown>, id: number, err: GatewayError): GatewayError {
  const reason = err.unsent !== undefined && err.unsent.subject === kind.list ? err.unsent.reason : err.message
  return GatewayError.unprocessed(kind.label(id), `${kind.list} (a list page that may hold it) was refused: ${reason}`, err.retry_after_ms)
}

/**
 * The batch lookup planner at work (decisions in planner.ts): for the ids of one batch it answers
 * from the cache, then from list pages (every object seen is cached, pages are shared with
 * concurrent plans), then with one GET per id left (bounded by `concurrency`). An item served by a
 * page reports that page's attempts. A page that fails sends its ids to the per-id GETs; at the
 * batch deadline, ids waiting for a page fail as `timeout` (the page was sent) or `unprocessed`.
 */
export function createLookups ({ reads, call, fetchListing, fetchReservation, enabled, concurrency, log, telemetry, budget = () => undefined }: LookupsDeps) {
  const listingMemo: ListingMemo = { count: undefined, pages: new Map() }

  /**
   * The plan for the positions of one batch (distinct ids): every position is settled exactly once,
   * with the attempts of the page or the GET that answered it (0 from the cache).
   */
  async function plan<T> (kind: Kind<T>, ids: readonly number[], indexes: readonly number[], run: PlanRun<T>): Promise<void> {
    /** the ids not settled yet, and their positions */
    const open = new Map<number, number>()
    for (const index of indexes) open.set(ids[index], index)
    const settle = (id: number, outcome: Parameters<PlanRun<T>['settle']>[1]) => {
      const index = open.get(id)
      if (index === undefined) return
      open.delete(id)
      run.settle(index, outcome)
    }
    const failAll = (error: (id: number) => unknown) => { for (const id of [...open.keys()]) settle(id, { ok: false, error: error(id), attempts: 0 }) }
    const stats = { cached: 0, pages: 0, from_pages: 0, by_id: 0 }

    async function scan (): Promise<void> {
      const { signal } = run
      const ctx: ScanContext = {
        pending: () => [...open.keys()],
        concurrency,
        budget,
        read: async (spec, shareKey) => {
          let attempts = 0
          stats.pages++
          const label = `${spec.method} /${spec.path}`
          const envelope = await reads.share<Envelope>(shareKey, label, async (o) => {
            const since = reads.epoch()
            const body = await call(spec, o)
            await reads.primeAll(body.result as unknown[], (value) => {
              const id = idOf(value)
              return id === undefined ? undefined : kind.key(id)
            }, since)
            return body
          }, { signal, admission: run.admission, onAttempt: () => { attempts++ } })
          return { items: envelope.result as unknown[], count: typeof envelope.count === 'number' ? envelope.count : undefined, attempts }
        },
        take: (page) => {
          const before = open.size
          for (const value of page.items) {
            const id = idOf(value)
            if (id !== undefined) settle(id, { ok: true, value: value as T, attempts: page.attempts })
          }
          stats.from_pages += before - open.size
          return before - open.size
        }
      }
      try {
        await kind.scan(ctx)
      } catch (err) {
        if (signal.aborted && err instanceof GatewayError && (err.error_type === 'unprocessed' || err.error_type === 'timeout')) {
          failAll((id) => pageAborted(kind as Kind<unknown>, id, err, signal))
          return
        }
        if (err instanceof GatewayError && err.error_type === 'unprocessed' && err.attempts === 0) {
          failAll((id) => pageRefused(kind as Kind<unknown>, id, err))
          return
        }
        log.warn({ err, list: kind.list }, 'batch lookup page failed, reading its ids one by one')
      }
    }

    /** One GET per id left, in the run's pool (the ids waiting there are the run's backlog). */
    async function byId (): Promise<void> {
      const { signal } = run
      const left = [...open.keys()]
      stats.by_id = left.length
      await run.pool(left, async (id) => {
        if (signal.aborted) {
          settle(id, { ok: false, error: abortedError({ method: 'GET', label: kind.label(id), attempts: 0 }, `${abortMessage(signal)} before the request was sent`, null), attempts: 0 })
          return
        }
        let attempts = 0
        try {
          settle(id, { ok: true, value: await kind.fetchOne(id, { signal, admission: run.admission, onAttempt: () => { attempts++ } }, true), attempts })
        } catch (error) {
          settle(id, { ok: false, error, attempts })
        }
      })
    }

    try {
      await Promise.all([...open.keys()].map(async (id) => {
        const known = await reads.lookup<T>(kind.key(id))
        if (known === undefined) return
        stats.cached++
        settle(id, 'error' in known ? { ok: false, error: known.error, attempts: 0 } : { ok: true, value: known.value, attempts: 0 })
      }))
      // ids the cache answered need no signal: asking for it arms the run's deadline (batch/scope.ts)
      if (open.size > 0 && !run.signal.aborted) await scan()
      if (open.size > 0) await byId()
      log.debug({ list: kind.list, ids: indexes.length, ...stats }, 'batch lookup plan')
      telemetry.plannerPlan(kind.resource, stats.pages, stats.from_pages)
    } catch (err) {
      // a bug of ours: nothing may hang, every open item fails (internal_error)
      failAll(() => err)
    }
  }

  const listings: Kind<Listing> = {
    resource: 'listing',
    key: listingEndpoints.key,
    label: (id) => `GET /listings/${id}`,
    list: 'GET /listings',
    fetchOne: fetchListing,
    scan: (ctx) => scanListings(ctx, listingMemo)
  }

  const reservations: Kind<Booking> = {
    resource: 'reservation',
    key: bookingEndpoints.key,
    label: (id) => `GET /reservations/${id}`,
    list: 'GET /reservations',
    fetchOne: fetchReservation,
    scan: walkReservations
  }

  /** The strategy of one batch lookup: planned, or one GET per uncached id when the planner is off (BATCH_PLANNER=off). */
  function strategy<T> (kind: Kind<T>, ids: readonly number[]): Strategy<T> {
    if (!enabled) return { each: (index, opts) => kind.fetchOne(ids[index], opts) }
    return { plan: (indexes, run) => plan(kind, ids, indexes, run) }
  }

  return {
    /** The listings of one batch (the ids of its positions): cache, list pages, then by id. */
    listings: (ids: readonly number[]): Strategy<Listing> => strategy(listings, ids),

    /** The reservations of one batch: cache, pages of recent changes, then by id. */
    reservations: (ids: readonly number[]): Strategy<Booking> => strategy(reservations, ids),

    /** The account's listing count, seen in an unfiltered list envelope (GET /api/listings). */
    rememberListingCount (count: number): void {
      listingMemo.count = count
    }
  }
}
