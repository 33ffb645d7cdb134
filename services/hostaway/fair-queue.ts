import type { Lane } from './types.js'

/** What the fair queue needs to know of a waiter. */
export interface Turn {
  /** token requests: ahead of everyone, in their own arrival order */
  priority: boolean
  /** whose share the waiter uses */
  caller: string
  lane: Lane
}

interface Flow<W> {
  singles: W[]
  batch: W[]
  /** virtual time of the flow's next turn */
  tag: number
  /** virtual time between two of its turns: QUANTUM / weight */
  step: number
  /** when it became active: of two turns at the same virtual time, the older flow's goes first */
  seq: number
}

/** Virtual time of one turn at weight 1; divisible by every weight from 1 to 16, so their steps are exact. */
const QUANTUM = 720_720
/** Idle flows remembered (to keep a flow that just had its turn from cutting in again) before the old ones are dropped. */
const IDLE_KEPT = 256

export type FairQueue<W extends Turn> = ReturnType<typeof createFairQueue<W>>

/**
 * The order in which the rate limiter's waiters get their slots: priority waiters first (FIFO),
 * then the callers in fair turns — start-time fair queueing: each caller with waiters is a flow
 * whose turns are spaced `QUANTUM / weight` apart in virtual time, and the turn with the smallest
 * virtual time goes next, so callers with waiters share the slots in proportion to their weights
 * however many waiters each has. A flow that becomes active starts at the current virtual time
 * (or after its last turn, if that is later): it cannot save up turns while idle. Within a flow,
 * single-item requests go before batch items, each in arrival order.
 * No I/O and no clock: `positionOf` says where a new waiter would go, `ordered` lists every waiter.
 */
export function createFairQueue<W extends Turn> ({ weightOf }: { weightOf: (caller: string) => number }) {
  const priority: W[] = []
  const flows = new Map<string, Flow<W>>()
  /** idle flows' next turn, while it may still be ahead of the virtual time */
  const idle = new Map<string, number>()
  let vtime = 0
  let seq = 0
  let size = 0

  const count = (flow: Flow<W>) => flow.singles.length + flow.batch.length
  const stepOf = (caller: string) => Math.max(1, Math.round(QUANTUM / Math.max(1, weightOf(caller))))
  const startOf = (caller: string) => Math.max(vtime, idle.get(caller) ?? vtime)

  function deactivate (caller: string, flow: Flow<W>): void {
    flows.delete(caller)
    idle.set(caller, flow.tag)
    if (idle.size > IDLE_KEPT) for (const [key, tag] of idle) if (tag <= vtime || idle.size > IDLE_KEPT) idle.delete(key)
  }

  /** Turns of `flow` that come before a turn at virtual time `tag` of a flow activated at `order`. */
  function turnsBefore (flow: Flow<W>, tag: number, order: number): number {
    if (tag < flow.tag) return 0
    const gap = tag - flow.tag
    const whole = Math.floor(gap / flow.step)
    const turns = gap % flow.step === 0 ? whole + (flow.seq < order ? 1 : 0) : whole + 1
    return Math.min(count(flow), turns)
  }

  return {
    push (w: W): void {
      size++
      if (w.priority) {
        priority.push(w)
        return
      }
      let flow = flows.get(w.caller)
      if (flow === undefined) {
        flow = { singles: [], batch: [], tag: startOf(w.caller), step: stepOf(w.caller), seq: seq++ }
        idle.delete(w.caller)
        flows.set(w.caller, flow)
      }
      (w.lane === 'single' ? flow.singles : flow.batch).push(w)
    },

    /** The next waiter to serve, taken out of the queue. */
    shift (): W | undefined {
      if (priority.length > 0) {
        size--
        return priority.shift()
      }
      let next: [string, Flow<W>] | undefined
      for (const entry of flows) {
        const [, flow] = entry
        if (next === undefined || flow.tag < next[1].tag || (flow.tag === next[1].tag && flow.seq < next[1].seq)) next = entry
      }
      if (next === undefined) return undefined
      const [caller, flow] = next
      const w = flow.singles.shift() ?? flow.batch.shift()
      size--
      vtime = flow.tag
      flow.tag += flow.step
      if (count(flow) === 0) deactivate(caller, flow)
      if (size === 0) {
        // nobody waits: nothing to be fair about until the next waiter
        idle.clear()
        vtime = 0
      }
      return w
    },

    /** Take `w` out wherever it is (aborted, refused); false if it is not queued. */
    remove (w: W): boolean {
      const list = w.priority ? priority : w.lane === 'single' ? flows.get(w.caller)?.singles : flows.get(w.caller)?.batch
      const i = list?.indexOf(w) ?? -1
      if (list === undefined || i === -1) return false
      list.splice(i, 1)
      size--
      const flow = flows.get(w.caller)
      if (!w.priority && flow !== undefined && count(flow) === 0) deactivate(w.caller, flow)
      return true
    },

    /** The place (0 = next) a new waiter like `w` would take if it were pushed now. */
    positionOf (w: Turn): number {
      if (w.priority) return priority.length
      const own = flows.get(w.caller)
      const rank = own === undefined ? 0 : w.lane === 'single' ? own.singles.length : count(own)
      const tag = own === undefined ? startOf(w.caller) : own.tag + rank * own.step
      const order = own === undefined ? seq : own.seq
      let before = priority.length + rank
      for (const [caller, flow] of flows) if (caller !== w.caller) before += turnsBefore(flow, tag, order)
      return before
    },

    /** Every waiter, in the order they would be served if nobody else came. */
    ordered (): W[] {
      const turns: Array<{ w: W, tag: number, seq: number }> = []
      for (const flow of flows.values()) {
        [...flow.singles, ...flow.batch].forEach((w, i) => turns.push({ w, tag: flow.tag + i * flow.step, seq: flow.seq }))
      }
      turns.sort((a, b) => a.tag - b.tag || a.seq - b.seq)
      return [...priority, ...turns.map((turn) => turn.w)]
    },

    /** Take every waiter out (close, a failing budget). */
    clear (): W[] {
      const all = [...priority, ...[...flows.values()].flatMap((flow) => [...flow.singles, ...flow.batch])]
      priority.length = 0
      flows.clear()
      idle.clear()
      size = 0
      vtime = 0
      return all
    },

    /** Waiters queued, priority ones included. */
    size: () => size,
    /** Callers with waiters. */
    callers: () => flows.size
  }
}
