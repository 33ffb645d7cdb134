/** One budget: at most `max` acquisitions per window (e.g. 15 per IP, 20 per account). */
export interface RateLimit {
  name: string
  max: number
}

/**
 * A slot taken from a budget. It counts from the moment its request is written (`sent`), not from
 * when it was taken: a request written late (the event loop stalled, a connection took long) must
 * not let the next ones out early. Until then it counts as if written now.
 */
export interface Slot {
  /** Its request was written (or may have been): the slot counts from now on. Only the first call counts. */
  sent (): void
  /** Nothing was sent in it: it is free again. Does nothing once `sent`. */
  giveBack (): void
}

/**
 * The upstream budget a rate limiter's queue draws from: in this process (memory), or shared by
 * several instances (a store). Never waits itself: it answers when to ask again.
 */
export interface Budget {
  /** Take one slot if every limit has room now, else the ms until one may have room (nothing taken). */
  take (): Slot | number | Promise<Slot | number>
  /** This instance's view of the ms until a slot may be free (0 = now), without taking one. */
  nextSlotInMs (): number
  /** Slots taken within the current window (those not written yet included), as far as this instance knows. */
  inWindow (): number
  /**
   * Optional: the ms from now until each of the next `count` slots may be taken, earliest first, if
   * each is taken as soon as it frees (the queue's prediction of when its waiters start). Without
   * it the queue estimates from `inWindow`, `nextSlotInMs` and the configured cap and window.
   */
  upcoming? (count: number): number[]
  /** Optional: the ms currently added to the window because the event loop lags (see `lagMarginMs`). */
  lagMarginMs? (): number
}

export interface MemoryBudgetOptions {
  /** Every acquisition counts against every limit. */
  limits: RateLimit[]
  /** The upstream window (ms). */
  windowMs: number
  /** Acquisitions kept in reserve below each `max` (never lowers a cap below 1). */
  safetyMargin: number
  /** Extra ms added to the window to absorb clock skew and network jitter. */
  windowMarginMs: number
  /** Clock (ms), monotonic. */
  now: () => number
  /**
   * Ms added to the window now, besides `windowMarginMs`: the event loop's recent lag (see
   * `lagMargin`). Read at every decision; default none.
   */
  lagMarginMs?: () => number
  /**
   * How long a slot may stay unwritten before it counts as written at the end of that time (ms): a
   * request cannot be written after its attempt timed out. Default: never (it counts as written now
   * until it is `sent` or given back).
   */
  pendingLeaseMs?: number
}

/** The slots a limit of `max` per window leaves once `safetyMargin` are kept in reserve: at least 1. */
export function capOf (max: number, safetyMargin: number): number {
  return Math.max(1, Math.floor(max) - Math.max(0, safetyMargin))
}

/** The window a budget counts over: the upstream's `windowMs` plus `marginMs` (clock skew). */
export function budgetWindowMs (windowMs: number, marginMs: number): number {
  return windowMs + Math.max(0, marginMs)
}

/**
 * How long a granted slot may stay unwritten (ms): its request is written before its attempt times
 * out (`timeoutMs`), and the attempt starts at once after the grant; one window more for what runs
 * in between (a stalled event loop).
 */
export function pendingLeaseMs (timeoutMs: number, windowMs: number): number {
  return timeoutMs + windowMs
}

/**
 * The margin that follows the event loop's lag: the longest loop delay measured within the last
 * window (`recentMaxMs`), at most `maxMs` (0: none). A stall delays when requests already granted
 * are written, and when an upstream sharing the machine (the embedded sandbox, a co-located proxy)
 * reads them; stamping slots at write time covers the first, this margin the rest.
 */
export function lagMargin (recentMaxMs: (spanMs: number) => number, windowMs: number, maxMs: number): () => number {
  return () => maxMs <= 0 ? 0 : Math.min(maxMs, recentMaxMs(windowMs + maxMs))
}

interface Entry {
  /** when it was written (or taken, while `pending`) */
  at: number
  pending: boolean
  settled: boolean
}

/**
 * A sliding log in memory: it remembers when each of the last `cap` slots was written and never
 * lets more than `cap = min(max) - safetyMargin` be taken within any `windowMs + windowMarginMs`
 * (plus the lag margin): a slot counts from when its request is written (`Slot.sent`), and counts
 * as written now until then. Exact, unlike fixed windows or token buckets, which let up to twice
 * the limit through around a window boundary.
 */
export function createMemoryBudget (options: MemoryBudgetOptions) {
  if (options.limits.length === 0) throw new Error('rate limiter: at least one limit is required')
  if (!(options.windowMs > 0)) throw new Error('rate limiter: windowMs must be > 0')
  // every acquisition counts against every limit, so the tightest one decides
  const cap = Math.min(...options.limits.map((l) => capOf(l.max, options.safetyMargin)))
  const windowMs = budgetWindowMs(options.windowMs, options.windowMarginMs)
  const { now } = options
  const lag = options.lagMarginMs ?? (() => 0)
  const lease = options.pendingLeaseMs ?? Infinity
  /** write times of the last `cap` slots written, ascending */
  const log: number[] = []
  /** slots taken and not written yet, in the order taken */
  const pending: Entry[] = []

  /** Insert a write time in order (a lease that ran out may be older than a later write). */
  function record (at: number): void {
    let i = log.length
    while (i > 0 && log[i - 1] > at) i--
    log.splice(i, 0, at)
    if (log.length > cap) log.splice(0, log.length - cap)
  }

  /** Slots unwritten for longer than the lease count as written when it ran out. */
  function expire (t: number): void {
    while (pending.length > 0 && pending[0].at + lease <= t) {
      const e = pending.shift() as Entry
      e.pending = false
      record(e.at + lease)
    }
  }

  const windowNow = () => windowMs + Math.max(0, lag())

  /** ms from `t` until a slot frees; slots not written yet count as written at `t`. */
  function delayAt (t: number, window: number): number {
    expire(t)
    const unwritten = Math.min(pending.length, cap)
    if (log.length + unwritten < cap) return 0
    if (unwritten === cap) return window
    return Math.max(0, log[log.length - (cap - unwritten)] + window - t)
  }

  function slotOf (entry: Entry) {
    return {
      sent (): void {
        if (entry.settled) return
        entry.settled = true
        const i = pending.indexOf(entry)
        if (i !== -1) pending.splice(i, 1)
        // a lease that ran out already counted it
        if (entry.pending) record(now())
        entry.pending = false
      },
      giveBack (): void {
        if (entry.settled) return
        entry.settled = true
        const i = pending.indexOf(entry)
        if (i !== -1) pending.splice(i, 1)
        entry.pending = false
      }
    } satisfies Slot
  }

  return {
    /** The effective budget: at most `cap` slots within any `windowMs` (margins applied, the lag margin aside). */
    cap,
    windowMs,
    take (): Slot | number {
      const t = now()
      const wait = delayAt(t, windowNow())
      if (wait > 0) return wait
      const entry: Entry = { at: t, pending: true, settled: false }
      pending.push(entry)
      return slotOf(entry)
    },
    nextSlotInMs (): number {
      return Math.ceil(delayAt(now(), windowNow()))
    },
    upcoming (count: number): number[] {
      const t = now()
      const window = windowNow()
      expire(t)
      // the log, the unwritten slots (as written now), then the slots to come: slot i may be taken
      // once slot i - cap has left the window
      const times = [...log, ...pending.map(() => t)].slice(-cap)
      const past = times.length
      for (let i = 0; i < count; i++) {
        const j = past + i - cap
        times.push(j < 0 ? t : Math.max(t, times[j] + window))
      }
      return times.slice(past).map((at) => Math.ceil(at - t))
    },
    inWindow (): number {
      const t = now()
      expire(t)
      const window = windowNow()
      let n = pending.length
      for (let i = log.length - 1; i >= 0 && log[i] > t - window; i--) n++
      return n
    },
    lagMarginMs: (): number => Math.max(0, lag())
  } satisfies Budget & Record<string, unknown>
}
