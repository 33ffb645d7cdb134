import type { FastifyBaseLogger } from 'fastify'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { BoundCallOptions } from '../seams.js'
import { BatchItemError, finishedItems, logFailures, toPartialFailureResponse, toResult, type Outcome } from './results.js'
import { openRunScope, type RunScope } from './scope.js'

/**
 * One batch run. Its items are positions of the request; each is reported exactly once, in request
 * order, as a PartialFailureResponse (docs/contract.md). The run scope (scope.ts) holds what the
 * whole run shares; the strategy does the items' work, in one of two shapes:
 * - per item (`each`): one piece of work per pending position, run in the scope's pool, e.g. a
 *   listing update or a guest message (sent once, never again);
 * - a plan (`plan`): given every pending position at once, it settles each one with its outcome
 *   (attempts included) as it learns it, e.g. the batch lookups (cache, list pages, then by id), or
 *   a write sending several items in one upstream call.
 * A run may resume from a checkpoint (an earlier run of the same batch, cut short): its finished
 * items are reported as they were and never run again (results.ts `unfinished`).
 */

/** Per-item work: the item's position, and the run's signal, place in the limiter queue and attempt counter. */
export type Operation<T> = (opts: BoundCallOptions) => Promise<T>

/** What a plan is given: the run scope, and where it reports each position. */
export interface PlanRun<T> extends Pick<RunScope, 'signal' | 'admission' | 'pool'> {
  /** The outcome of `index`: the first settlement of a position counts, later ones are ignored. */
  settle (index: number, outcome: Outcome<T>): void
}

export type Strategy<T> =
  | { each: (index: number, opts: BoundCallOptions) => Promise<T> }
  /** Resolves once it settled every position it was given; a position it left unsettled fails as internal_error. */
  | { plan: (indexes: readonly number[], run: PlanRun<T>) => Promise<void> }

/** The per-item strategy of a list of operations, one per position. */
export function eachOf<T> (operations: ReadonlyArray<Operation<T>>): Strategy<T> {
  return { each: (index, opts) => operations[index](opts) }
}

export interface BatchOptions<T = unknown> {
  /** Items in flight at once (per-item work, and a plan's pool). */
  concurrency: number
  /** Deadline of the whole run (ms): then the run's signal aborts. */
  timeoutMs: number
  /** Positions sharing an operation id run once and share their result (lookups). */
  dedupe?: boolean
  /** An outer signal (e.g. the caller went away) that ends the run like the deadline does. */
  signal?: AbortSignal
  /**
   * Whose fair share of the upstream budget the items use (default: one anonymous caller). They wait
   * in the batch lane, behind the same caller's single-item requests, and an item whose turn would
   * come past the deadline is refused at once (unprocessed, with retry_after_ms).
   */
  share?: string
  logger: Pick<FastifyBaseLogger, 'warn'>
  /** Literal secrets to scrub from the messages of unexpected errors. */
  secrets: readonly string[]
  /** Called as each item (each distinct one, with dedupe) settles: how many have, of how many (MCP progress notifications). */
  onSettled?: (settled: number, total: number) => void
  /** Items whose result is known before the run, by position (undefined: the item runs), e.g. refused by a per-item rule. */
  settled?: ReadonlyArray<OperationResult<T> | undefined>
  /** An earlier run of this batch, cut short: its finished items are kept, the others run (see `unfinished`). */
  checkpoint?: PartialFailureResponse<T>
  /**
   * Awaited before a position's work starts (before its rate-limit wait): a rejection leaves it
   * unsent with that error (a job cancelled, or stopped at shutdown; a durable job records the start
   * here, so that a resumed run never sends a write twice). A plan's positions all pass it before the
   * plan starts; those refused are left out of the plan.
   */
  starting?: (index: number) => Promise<void>
  /** The result of each position as it settles (each distinct one, with dedupe): a job's progress and checkpoint. */
  onItem?: (result: OperationResult<T>) => void
}

export interface BatchRun<T> {
  response: PartialFailureResponse<T>
  /** positions answered by the checkpoint (nothing was sent for them in this run) */
  resumed: ReadonlySet<number>
}

/**
 * Run every pending position — each one even if others fail — with bounded concurrency and a
 * deadline, and report every position exactly once. Never throws for item failures.
 *
 * At the deadline (or when `signal` aborts) the run's signal aborts and the work reports how far it
 * got (the Hostaway client classifies: unprocessed / timeout / outcome_unknown). Items not started
 * by then are `unprocessed`; work still running ABORT_GRACE_MS after the abort is reported as an
 * `internal_error`, not awaited.
 */
export async function executeBatch<T> (operationIds: ReadonlyArray<string | number>, strategy: Strategy<T>, options: BatchOptions<T>): Promise<BatchRun<T>> {
  const ids = operationIds.map(String)
  const resumed = finishedItems(options.checkpoint)
  const known = (i: number) => options.settled?.[i] ?? resumed.get(i)

  // With dedupe, positions sharing an id share one execution (the first position's).
  const owner: number[] = ids.map((_, i) => i)
  if (options.dedupe === true) {
    const first = new Map<string, number>()
    ids.forEach((id, i) => {
      if (known(i) !== undefined) return
      const seen = first.get(id)
      if (seen === undefined) first.set(id, i)
      else owner[i] = seen
    })
  }
  const pending = owner.filter((o, i) => o === i && known(i) === undefined)

  const scope = openRunScope({ concurrency: options.concurrency, timeoutMs: options.timeoutMs, signal: options.signal, share: options.share ?? '' })
  const outcomes = new Map<number, Outcome<T>>()
  const settle = (index: number, outcome: Outcome<T>) => {
    if (outcomes.has(index) || owner[index] !== index || known(index) !== undefined) return
    outcomes.set(index, outcome)
    options.onSettled?.(outcomes.size, pending.length)
    options.onItem?.(toResult(outcome, index, ids[index], options.secrets))
  }
  try {
    if ('each' in strategy) await runEach(gated(strategy.each, options.starting), pending, scope, settle)
    else await runPlan(strategy.plan, await admitted(pending, options.starting, settle), scope, settle, (index) => !outcomes.has(index))
  } finally {
    scope.close()
  }

  const response = toPartialFailureResponse(ids.map((id, index) => {
    const result = known(index)
    if (result !== undefined) return { ...result, index }
    const outcome = outcomes.get(owner[index]) ?? { ok: false, error: new BatchItemError('internal_error', 'the run did not answer for this item'), attempts: 0 }
    return toResult(outcome, index, id, options.secrets)
  }))
  logFailures(options.logger, response.failed)
  return { response, resumed: new Set(resumed.keys()) }
}

/** Per-item work that first passes the `starting` gate (its rejection is the item's error, nothing sent). */
function gated<T> (work: (index: number, opts: BoundCallOptions) => Promise<T>, starting: BatchOptions['starting']): (index: number, opts: BoundCallOptions) => Promise<T> {
  if (starting === undefined) return work
  return async (index, opts) => {
    await starting(index)
    return await work(index, opts)
  }
}

/** The positions of a plan that pass the `starting` gate; the others settle with its rejection, unsent. */
async function admitted<T> (pending: number[], starting: BatchOptions['starting'], settle: PlanRun<T>['settle']): Promise<number[]> {
  if (starting === undefined) return pending
  const passed: number[] = []
  for (const index of pending) {
    try {
      await starting(index)
      passed.push(index)
    } catch (error) {
      settle(index, { ok: false, error, attempts: 0 })
    }
  }
  return passed
}

/** Per-item work in the scope's pool: an item not started before the abort is unprocessed. */
async function runEach<T> (work: (index: number, opts: BoundCallOptions) => Promise<T>, pending: number[], scope: RunScope, settle: PlanRun<T>['settle']): Promise<void> {
  const { signal, admission } = scope
  await scope.pool(pending, async (index) => {
    if (signal.aborted) return settle(index, { ok: false, error: scope.notStarted(), attempts: 0 })
    let attempts = 0
    try {
      const value = await Promise.race([work(index, { signal, admission, onAttempt: () => { attempts++ } }), scope.overdue])
      settle(index, { ok: true, value, attempts })
    } catch (error) {
      settle(index, { ok: false, error, attempts })
    }
  })
}

/** A plan over every pending position at once; what it has not settled when it ends (or overruns the grace) fails. */
async function runPlan<T> (plan: (indexes: readonly number[], run: PlanRun<T>) => Promise<void>, pending: number[], scope: RunScope, settle: PlanRun<T>['settle'], open: (index: number) => boolean): Promise<void> {
  if (pending.length === 0) return
  if (scope.aborted()) {
    for (const index of pending) settle(index, { ok: false, error: scope.notStarted(), attempts: 0 })
    return
  }
  // made only when an item is left open (an Error's stack costs a few per cent of a warm batch)
  let failure = (): unknown => new BatchItemError('internal_error', 'the plan did not answer for this item')
  try {
    // the signal asked for only when the plan needs it (a plan answered from the cache never does: scope.ts)
    const run: PlanRun<T> = { get signal () { return scope.signal }, admission: scope.admission, pool: scope.pool, settle }
    await Promise.race([plan(pending, run), scope.overdue])
  } catch (err) {
    failure = () => err
  }
  for (const index of pending) if (open(index)) settle(index, { ok: false, error: failure(), attempts: 0 })
}

/** executeBatch with the configured concurrency, default deadline and secrets: decorated as `fastify.runBatch`. */
export function createBatchRunner (settings: { concurrency: number, timeoutMs: number, secrets: readonly string[] }) {
  return function run<T> (
    operationIds: ReadonlyArray<string | number>,
    strategy: Strategy<T>,
    options: Omit<BatchOptions<T>, 'concurrency' | 'timeoutMs' | 'secrets'> & { timeoutMs?: number }
  ): Promise<BatchRun<T>> {
    // a request without timeout_ms gets the configured deadline. One spread, at the start of the literal:
    // a second one (`{ ...settings, ...options }`) copied property by property, ~2.5 % of a warm batch's CPU
    return executeBatch(operationIds, strategy, { ...options, concurrency: settings.concurrency, secrets: settings.secrets, timeoutMs: options.timeoutMs ?? settings.timeoutMs })
  }
}

export type BatchRunner = ReturnType<typeof createBatchRunner>
