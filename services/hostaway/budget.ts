/** One budget: at most `max` acquisitions per window (e.g. 15 per IP, 20 per account). */
export interface RateLimit {
  name: string
  max: number
}

/**
 * The upstream budget a rate limiter's queue draws from: in this process (memory), or shared by
 * several instances (a store). Never waits itself: it answers when to ask again.
 */
export interface Budget {
  /** Take one slot if every limit has room now (0), else the ms until one may have room (nothing taken). */
  take (): number | Promise<number>
  /**
   * Give back the most recent slot taken: it was not used. Called in the tick it was taken in, so
   * any slot taken since then is at most that tick apart (the window margin absorbs it).
   */
  giveBack (): void
  /** This instance's view of the ms until a slot may be free (0 = now), without taking one. */
  nextSlotInMs (): number
  /** Slots taken within the current window, as far as this instance knows. */
  inWindow (): number
  /**
   * Optional: the ms from now until each of the next `count` slots may be taken, earliest first, if
   * each is taken as soon as it frees (the queue's prediction of when its waiters start). Without
   * it the queue estimates from `inWindow`, `nextSlotInMs` and the configured cap and window.
   */
  upcoming? (count: number): number[]
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
 * A sliding log in memory: it remembers when each of the last `cap` slots was taken and never
 * lets more than `cap = min(max) - safetyMargin` be taken within any `windowMs + windowMarginMs`.
 * Exact, unlike fixed windows or token buckets, which let up to twice the limit through around a
 * window boundary.
 */
export function createMemoryBudget (options: MemoryBudgetOptions) {
  if (options.limits.length === 0) throw new Error('rate limiter: at least one limit is required')
  if (!(options.windowMs > 0)) throw new Error('rate limiter: windowMs must be > 0')
  // every acquisition counts against every limit, so the tightest one decides
  const cap = Math.min(...options.limits.map((l) => capOf(l.max, options.safetyMargin)))
  const windowMs = budgetWindowMs(options.windowMs, options.windowMarginMs)
  const { now } = options
  /** times of the last `cap` slots taken, oldest first */
  const log: number[] = []

  function delayAt (t: number): number {
    if (log.length < cap) return 0
    return Math.max(0, log[log.length - cap] + windowMs - t)
  }

  return {
    /** The effective budget: at most `cap` slots within any `windowMs` (margins applied). */
    cap,
    windowMs,
    take (): number {
      const t = now()
      const wait = delayAt(t)
      if (wait > 0) return wait
      log.push(t)
      if (log.length > cap) log.splice(0, log.length - cap)
      return 0
    },
    giveBack (): void {
      log.pop()
    },
    nextSlotInMs (): number {
      return Math.ceil(delayAt(now()))
    },
    upcoming (count: number): number[] {
      const t = now()
      // the log, then the slots to come: slot i may be taken once slot i - cap has left the window
      const times = log.slice(-cap)
      const past = times.length
      for (let i = 0; i < count; i++) {
        const j = past + i - cap
        times.push(j < 0 ? t : Math.max(t, times[j] + windowMs))
      }
      return times.slice(past).map((at) => Math.ceil(at - t))
    },
    inWindow (): number {
      const t = now()
      let n = 0
      for (let i = log.length - 1; i >= 0 && log[i] > t - windowMs; i--) n++
      return n
    }
  } satisfies Budget & Record<string, unknown>
}
