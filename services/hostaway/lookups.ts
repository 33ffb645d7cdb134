import type { FastifyBaseLogger } from 'fastify'
import type { Booking } from '../../schemas/booking.js'
import type { Listing } from '../../schemas/listing.js'
import { HostawayError } from '../errors.js'
import { abortMessage } from './abort.js'
import type { Caller, Envelope } from './caller.js'
import type { RateBudget } from './cost.js'
import { abortedError } from './classify.js'
import { bookingEndpoints, listingEndpoints } from './endpoints.js'
import type { ReadThrough } from './read-through.js'
import { idOf, scanListings, walkReservations, type ListingMemo, type ScanContext } from './scans.js'
import type { BoundCallOptions, CallOptions } from './types.js'
import type { Telemetry } from '../telemetry.js'

/** How one batch lookup answers for each of its ids: runBatch gets one `get` per distinct id. */
export interface BatchLookup<T> {
  /** items to run at once: all of them when a plan answers for them (it bounds its own GETs) */
  concurrency?: number
  get (id: number, opts: BoundCallOptions): Promise<T>
}

/** A read by id; `reported`: its cache lookup was reported already (by the plan) */
type FetchOne<T> = (id: number, opts: CallOptions, reported?: boolean) => Promise<T>

export interface LookupsDeps {
  reads: Pick<ReadThrough, 'lookup' | 'share' | 'primeAll' | 'epoch'>
  call: Caller['call']
  /** the by-id reads (cache, negative cache, in-flight sharing) */
  fetchListing: FetchOne<Listing>
  fetchReservation: FetchOne<Booking>
  /** false: one GET per uncached id, the path before the planner (BATCH_PLANNER=off) */
  enabled: boolean
  /** per-id GETs of one plan in flight at once (BATCH_CONCURRENCY) */
  concurrency: number
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>
  /** reports each plan: list pages read, ids they answered */
  telemetry: Pick<Telemetry, 'plannerPlan'>
  /** the upstream budget now, for the cost model's wall-time estimates (cost.ts); none: calls only */
  budget?: () => RateBudget | undefined
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

interface Item<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (err: unknown) => void
  done: boolean
  listeners: Array<() => void>
}

/** An item a page was to answer for, when the batch stopped: timeout if that page was sent, else unprocessed. */
function pageAborted (kind: Kind<unknown>, id: number, err: HostawayError, signal: AbortSignal): HostawayError {
  const where = err.attempts > 0 ? `while ${kind.list} (a list page that may hold it) was in flight` : `before ${kind.list} (a list page that may hold it) was sent`
  return abortedError({ method: 'GET', label: kind.label(id), attempts: err.attempts }, `${abortMessage(signal)} ${where}`, err.retry_after_ms)
}

/**
 * An item a page was to answer for, when the rate limiter refused the page (its turn would come
 * past the batch deadline): unprocessed like the page, since its own GET could not start sooner.
 */
function pageRefused (kind: Kind<unknown>, id: number, err: HostawayError): HostawayError {
  const prefix = `${kind.list} was not sent: `
  const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message
  return new HostawayError(`${kind.label(id)} was not sent: ${kind.list} (a list page that may hold it) was refused: ${reason}`, {
    status_code: null, error_type: 'unprocessed', retryable: true, retry_after_ms: err.retry_after_ms, attempts: 0
  })
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

  function plan<T> (kind: Kind<T>, ids: readonly number[]): BatchLookup<T> {
    const items = new Map<number, Item<T>>()
    for (const id of ids) {
      if (items.has(id)) continue
      const item = { done: false, listeners: [] } as unknown as Item<T>
      item.promise = new Promise<T>((resolve, reject) => { item.resolve = resolve; item.reject = reject })
      items.set(id, item)
    }
    const stats = { cached: 0, pages: 0, from_pages: 0, by_id: 0 }
    const open = () => [...items].filter(([, item]) => !item.done)
    const wanted = () => open().map(([id]) => id)
    const succeed = (item: Item<T>, value: T, attempts: number) => {
      item.done = true
      for (let i = 0; i < attempts; i++) for (const listener of item.listeners) listener()
      item.resolve(value)
    }
    const fail = (item: Item<T>, err: unknown) => {
      item.done = true
      item.reject(err)
    }

    async function scan ({ signal, admission }: CallOptions & { signal: AbortSignal }): Promise<void> {
      const ctx: ScanContext = {
        pending: wanted,
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
          }, { signal, admission, onAttempt: () => { attempts++ } })
          return { items: envelope.result as unknown[], count: typeof envelope.count === 'number' ? envelope.count : undefined, attempts }
        },
        take: (page) => {
          let taken = 0
          for (const value of page.items) {
            const item = items.get(idOf(value) ?? 0)
            if (item === undefined || item.done) continue
            succeed(item, value as T, page.attempts)
            taken++
          }
          stats.from_pages += taken
          return taken
        }
      }
      try {
        await kind.scan(ctx)
      } catch (err) {
        if (signal.aborted && err instanceof HostawayError && (err.error_type === 'unprocessed' || err.error_type === 'timeout')) {
          for (const [id, item] of open()) fail(item, pageAborted(kind as Kind<unknown>, id, err, signal))
          return
        }
        if (err instanceof HostawayError && err.error_type === 'unprocessed' && err.attempts === 0) {
          for (const [id, item] of open()) fail(item, pageRefused(kind as Kind<unknown>, id, err))
          return
        }
        log.warn({ err, list: kind.list }, 'batch lookup page failed, reading its ids one by one')
      }
    }

    async function byId ({ signal, admission }: CallOptions & { signal: AbortSignal }): Promise<void> {
      const queue = open()
      stats.by_id = queue.length
      // the ids not fetched yet: the rate limiter keeps turns for them
      const perId = admission === undefined ? undefined : { ...admission, backlog: () => queue.length }
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const [id, item] = next
          if (signal.aborted) {
            fail(item, abortedError({ method: 'GET', label: kind.label(id), attempts: 0 }, `${abortMessage(signal)} before the request was sent`, null))
            continue
          }
          try {
            succeed(item, await kind.fetchOne(id, { signal, admission: perId, onAttempt: () => { for (const l of item.listeners) l() } }, true), 0)
          } catch (err) {
            fail(item, err)
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
    }

    /** The plan, run on behalf of the whole batch: its signal, and its place in the rate-limiter queue. */
    async function run (opts: CallOptions & { signal: AbortSignal }): Promise<void> {
      const { signal } = opts
      try {
        await Promise.all([...items].map(async ([id, item]) => {
          const known = await reads.lookup<T>(kind.key(id))
          if (known === undefined) return
          stats.cached++
          if ('error' in known) fail(item, known.error)
          else succeed(item, known.value, 0)
        }))
        if (!signal.aborted) await scan(opts)
        await byId(opts)
        log.debug({ list: kind.list, ids: items.size, ...stats }, 'batch lookup plan')
        telemetry.plannerPlan(kind.resource, stats.pages, stats.from_pages)
      } catch (err) {
        // a bug of ours: nothing may hang, every open item fails (internal_error)
        for (const [, item] of open()) fail(item, err)
      }
    }

    let started = false
    return {
      concurrency: items.size,
      get (id, opts) {
        const item = items.get(id)
        if (item === undefined) return kind.fetchOne(id, opts)
        item.listeners.push(opts.onAttempt)
        if (!started) {
          started = true
          // every item of a batch shares its signal: the first one starts the plan for all (run never rejects)
          run(opts).catch(() => {})
        }
        return item.promise
      }
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

  const perId = <T>(fetchOne: FetchOne<T>): BatchLookup<T> => ({ get: (id, opts) => fetchOne(id, opts) })

  return {
    /** Answers for the listings of one batch: planned, or one GET per uncached id when the planner is off. */
    listings (ids: readonly number[]): BatchLookup<Listing> {
      return enabled ? plan(listings, ids) : perId(fetchListing)
    },

    reservations (ids: readonly number[]): BatchLookup<Booking> {
      return enabled ? plan(reservations, ids) : perId(fetchReservation)
    },

    /** The account's listing count, seen in an unfiltered list envelope (GET /api/listings). */
    rememberListingCount (count: number): void {
      listingMemo.count = count
    }
  }
}
