import type { Lane } from './types.js'

/** What the fair queue needs to know of a waiter. */
export interface Turn {
  /** token requests: ahead of everyone, in their own arrival order */
  priority: boolean
  /** the fair-share key: whose share the waiter uses */
  share: string
  lane: Lane
  /** work of the same caller that will queue soon (a batch's items not started yet): turns are kept for it */
  backlog?: () => number
}

/** A turn in the order of service: a queued waiter, or (w undefined) a turn kept for a caller's backlog. */
export interface Placed<W> { w: W | undefined, share: string, tag: number, seq: number }

interface Flow<W> {
  /** its waiters: single-item requests first, then batch items, each in arrival order */
  singles: W[]
  batch: W[]
  /** the virtual times of its waiters' turns, ascending; the i-th waiter has the i-th turn */
  turns: number[]
  /** with no waiter: the virtual time of its next turn (or the current time, if later) */
  next: number
  /** virtual time between two of its turns: QUANTUM / weight */
  step: number
  /** when it became active: of two turns at the same virtual time, the older flow's goes first */
  seq: number
  backlogs: Set<() => number>
}

/** Virtual time of one turn at weight 1; divisible by every weight from 1 to 16, so their steps are exact. */
const QUANTUM = 720_720
/** Idle callers remembered (so that one who just had a turn cannot cut in again) before the old ones are dropped. */
const IDLE_KEPT = 256
/** Most turns kept for one caller's backlog (at Hostaway's limits, 256 turns are minutes away). */
const KEPT_TURNS = 256

export type FairQueue<W extends Turn> = ReturnType<typeof createFairQueue<W>>

/**
 * The order in which the rate limiter's waiters get their slots: priority waiters first (FIFO),
 * then the callers in fair turns — start-time fair queueing: each caller with waiters is a flow
 * whose turns are spaced `QUANTUM / weight` apart in virtual time, and the turn with the smallest
 * virtual time goes next, so callers with waiters share the slots in proportion to their weights
 * however many waiters each has. A flow that becomes active starts at the current virtual time
 * (or after its last turn, if that is later): it cannot save up turns while idle. Within a flow,
 * single-item requests go before batch items, each in arrival order.
 * A caller's declared backlog (a batch's items not started yet, hidden by its concurrency) keeps
 * turns for it, so that predictions of everyone's start count with them; a kept turn whose time
 * comes while nobody of that caller waits is skipped (the slot goes to the next waiter). A new
 * turn may be placed later than its fair time (`push(w, at)`): admission control does so to keep
 * waiters of other callers it already admitted in time.
 * No I/O and no clock: `positionOf` says where a new waiter would go, `placed` lists every turn.
 */
export function createFairQueue<W extends Turn> ({ weightOf }: { weightOf: (share: string) => number }) {
  const priority: W[] = []
  const flows = new Map<string, Flow<W>>()
  /** idle callers' next turn, while it may still be ahead of the virtual time */
  const idle = new Map<string, number>()
  let vtime = 0
  let seq = 0
  let size = 0

  const waitersOf = (flow: Flow<W>) => [...flow.singles, ...flow.batch]

  /** Turns kept for a flow's backlog (its sources that ran out are dropped). */
  function kept (flow: Flow<W>): number {
    let n = 0
    for (const backlog of flow.backlogs) {
      const left = backlog()
      if (left > 0) n += left
      else flow.backlogs.delete(backlog)
    }
    return Math.min(KEPT_TURNS, n)
  }

  /** The virtual time of the turn a new waiter of the flow adds (its first kept turn, if any). */
  const firstFree = (flow: Flow<W>) => flow.turns.length > 0 ? flow.turns[flow.turns.length - 1] + flow.step : Math.max(vtime, flow.next)

  /** Flows with neither waiters nor backlog become idle (remembered for their next turn). */
  function prune (): void {
    for (const [share, flow] of flows) {
      if (flow.turns.length > 0 || kept(flow) > 0) continue
      flows.delete(share)
      idle.set(share, flow.next)
    }
    if (idle.size > IDLE_KEPT) for (const [key, tag] of idle) if (tag <= vtime || idle.size > IDLE_KEPT) idle.delete(key)
    if (size === 0 && flows.size === 0) {
      // nobody waits and nothing is expected: nothing to be fair about until the next waiter
      idle.clear()
      vtime = 0
    }
  }

  /** The virtual time of the turn a new waiter of `caller` takes, and its flow's order. */
  function nextTurn (share: string): { tag: number, order: number } {
    const flow = flows.get(share)
    if (flow !== undefined) return { tag: firstFree(flow), order: flow.seq }
    return { tag: Math.max(vtime, idle.get(share) ?? vtime), order: seq }
  }

  /** Turns of `flow` (its waiters', then those kept) before a turn at virtual time `tag` of a flow activated at `order`. */
  function turnsBefore (flow: Flow<W>, tag: number, order: number): number {
    const ahead = (at: number) => at < tag || (at === tag && flow.seq < order)
    let n = 0
    while (n < flow.turns.length && ahead(flow.turns[n])) n++
    const base = firstFree(flow)
    if (n < flow.turns.length || !ahead(base)) return n
    const gap = tag - base
    const whole = Math.floor(gap / flow.step)
    return n + Math.min(kept(flow), gap % flow.step === 0 && flow.seq > order ? whole : whole + 1)
  }

  function placed (): Array<Placed<W>> {
    prune()
    const turns: Array<Placed<W>> = []
    for (const [share, flow] of flows) {
      waitersOf(flow).forEach((w, i) => turns.push({ w, share, tag: flow.turns[i], seq: flow.seq }))
      const base = firstFree(flow)
      for (let k = kept(flow) - 1; k >= 0; k--) turns.push({ w: undefined, share, tag: base + k * flow.step, seq: flow.seq })
    }
    turns.sort((a, b) => a.tag - b.tag || a.seq - b.seq)
    return [...priority.map((w) => ({ w, share: w.share, tag: -Infinity, seq: -1 })), ...turns]
  }

  return {
    /** The virtual time of a new waiter's turn at its fair place (a later one may be given to `push`). */
    fairTurn: (w: Turn): number => nextTurn(w.share).tag,

    /** The order of a caller's flow (its activation), for ties: a new caller's is after every other. */
    orderOf: (share: string): number => nextTurn(share).order,

    /** Queue `w`; its caller's new turn at virtual time `at` (default and minimum: its fair time). */
    push (w: W, at?: number): void {
      size++
      if (w.priority) {
        priority.push(w)
        return
      }
      const { tag } = nextTurn(w.share)
      let flow = flows.get(w.share)
      if (flow === undefined) {
        const step = Math.max(1, Math.round(QUANTUM / Math.max(1, weightOf(w.share))))
        flow = { singles: [], batch: [], turns: [], next: tag, step, seq: seq++, backlogs: new Set() }
        idle.delete(w.share)
        flows.set(w.share, flow)
      }
      flow.turns.push(Math.max(tag, at ?? tag))
      if (w.backlog !== undefined) flow.backlogs.add(w.backlog);
      (w.lane === 'single' ? flow.singles : flow.batch).push(w)
    },

    /** The next waiter to serve, taken out of the queue. */
    shift (): W | undefined {
      if (priority.length > 0) {
        size--
        return priority.shift()
      }
      let next: Flow<W> | undefined
      for (const flow of flows.values()) {
        if (flow.turns.length > 0 && (next === undefined || flow.turns[0] < next.turns[0] || (flow.turns[0] === next.turns[0] && flow.seq < next.seq))) next = flow
      }
      if (next === undefined) return undefined
      const w = next.singles.shift() ?? next.batch.shift()
      size--
      vtime = next.turns.shift() as number
      next.next = vtime + next.step
      prune()
      return w
    },

    /** Take `w` out wherever it is (aborted, refused); the waiters behind it in its flow move up a turn. */
    remove (w: W): boolean {
      const flow = flows.get(w.share)
      const list = w.priority ? priority : w.lane === 'single' ? flow?.singles : flow?.batch
      const i = list?.indexOf(w) ?? -1
      if (list === undefined || i === -1) return false
      list.splice(i, 1)
      size--
      if (!w.priority && flow !== undefined) {
        const last = flow.turns.pop() as number
        if (flow.turns.length === 0) flow.next = last
        prune()
      }
      return true
    },

    /** The place (0 = next) a new waiter like `w` would take if pushed now with its new turn at `at`. */
    positionOf (w: Turn, at?: number): number {
      if (w.priority) return priority.length
      prune()
      const own = flows.get(w.share)
      const { tag: fair, order } = nextTurn(w.share)
      const count = own === undefined ? 0 : own.turns.length
      // a single takes the turn of the flow's first batch item; the rest of the flow moves back a turn
      const rank = own !== undefined && w.lane === 'single' ? own.singles.length : count
      const tag = rank < count ? (own as Flow<W>).turns[rank] : Math.max(fair, at ?? fair)
      let before = priority.length + rank
      for (const [share, flow] of flows) if (share !== w.share) before += turnsBefore(flow, tag, order)
      return before
    },

    /** Every turn (waiters', and those kept for backlogs), in the order of service if nobody else came. */
    placed,

    /** Every waiter, in the order they would be served if nobody else came. */
    ordered: (): W[] => placed().flatMap((p) => p.w === undefined ? [] : [p.w]),

    /** Take every waiter out (close, a failing budget). */
    clear (): W[] {
      const all = [...priority, ...[...flows.values()].flatMap(waitersOf)]
      priority.length = 0
      flows.clear()
      idle.clear()
      size = 0
      vtime = 0
      return all
    },

    /** Waiters queued, priority ones included. */
    size: () => size,
    /** Callers with waiters or a backlog. */
    callers (): number {
      prune()
      return flows.size
    }
  }
}
