import type { DryRunResponse, PlannedCall, WriteOperation } from '../../schemas/dry-run.js'

/**
 * The answer of a write with `dry_run: true`: the items as the rules judge them, the upstream calls
 * the run would make, and the earliest it could finish at the current upstream budget. Pure: the
 * budget's state and the clock come in as values.
 */

/** The upstream budget as a dry run sees it (services/hostaway/budget.ts: cap per window, slots taken). */
export interface BudgetView {
  /** slots per window (after the safety margin) */
  cap: number
  windowMs: number
  /** slots taken within the current window */
  inWindow: number
  /** ms until a slot may be free (0 = now) */
  nextSlotInMs: number
}

/**
 * When each of the next `count` slots may be taken, in ms from now, earliest first, for a budget
 * without its own prediction (Budget.upcoming): a sliding window simulated over `cap` slots — the
 * free ones now, the taken ones as if they all freed at `nextSlotInMs` (so a lower bound), and each
 * slot taken again one window after it was last taken.
 */
export function estimateSlotsInMs (budget: BudgetView, count: number): number[] {
  const cap = Math.max(1, Math.floor(budget.cap))
  const taken = Math.min(cap, Math.max(0, budget.inWindow))
  // when each of the cap slots frees, ascending
  const pool = [...Array<number>(cap - taken).fill(0), ...Array<number>(taken).fill(Math.max(0, budget.nextSlotInMs))]
  const out: number[] = []
  for (let k = 0; k < count; k++) {
    const at = pool.shift() as number
    out.push(at)
    const again = at + budget.windowMs
    let i = pool.length
    while (i > 0 && pool[i - 1] > again) i--
    pool.splice(i, 0, again)
  }
  return out
}

export interface DryRunItemInput {
  index: number
  operation_id: string
  /** the rule broken (as the real run would report it), undefined when the item is valid */
  problem?: string
}

export interface DryRunInput {
  operation: WriteOperation
  /** every item of the request, in any order */
  items: readonly DryRunItemInput[]
  /** the calls the run would make, reads first */
  calls: readonly PlannedCall[]
  /** ms from now of the next slots (at least calls.length of them): Budget.upcoming or estimateSlotsInMs */
  slotsInMs: readonly number[]
  /** the nominal duration of one call (ms), added to the start of the last one */
  callMs: number
  /** the clock (ms since the epoch) */
  now: number
}

export function dryRunSummary (input: DryRunInput): DryRunResponse {
  const callsOf = new Map<number, number[]>()
  input.calls.forEach((call, i) => {
    for (const index of call.items) callsOf.set(index, [...(callsOf.get(index) ?? []), i])
  })
  const items = [...input.items].sort((a, b) => a.index - b.index).map((item) => ({
    index: item.index,
    operation_id: item.operation_id,
    valid: item.problem === undefined,
    error: item.problem ?? null,
    calls: callsOf.get(item.index) ?? []
  }))
  const valid = items.filter((i) => i.valid).length
  const n = input.calls.length
  if (input.slotsInMs.length < n) throw new TypeError(`dryRunSummary: ${n} calls but ${input.slotsInMs.length} slot times`)
  const lastStart = n === 0 ? 0 : Math.max(0, ...input.slotsInMs.slice(0, n))
  const finish = n === 0 ? 0 : Math.ceil(lastStart + Math.max(0, input.callMs))
  return {
    dry_run: true,
    operation: input.operation,
    total_count: items.length,
    valid_count: valid,
    invalid_count: items.length - valid,
    items,
    upstream_calls: input.calls.map((c) => ({ ...c, items: [...c.items] })),
    upstream_call_count: n,
    write_call_count: input.calls.filter((c) => c.kind === 'write').length,
    earliest_finish_ms: finish,
    earliest_finish_at: new Date(input.now + finish).toISOString()
  }
}
