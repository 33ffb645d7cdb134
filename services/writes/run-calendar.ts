import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { DryRunResponse } from '../../schemas/dry-run.js'
import type { BatchCalendarUpdateBody, CalendarUpdateResult } from '../../schemas/writes.js'
import { writeEntries } from '../audit.js'
import { unsentResult } from '../batch/results.js'
import type { Strategy } from '../batch/run.js'
import {
  calendarOperationId, calendarUpdateResult, checkCalendarUpdates, planCalendarCalls, plannedCalendarCalls
} from './calendar.js'
import { batchOptions } from '../batch/options.js'
import { dryRun, idempotentRun, ruleError, type WriteContext, type WriteDeps } from './run-common.js'
import type { CalendarUpdateItem } from '../../schemas/writes.js'

/** Where calendar batches' Idempotency-Keys live: the REST route, whichever transport calls it. */
const KEY_SPACE = { method: 'PATCH', path: '/api/calendar/batch' }

/**
 * PATCH /api/calendar/batch (and the MCP tool batch_update_calendar): every range one item of the
 * answer; the per-item rules and the overlap rule refuse items before anything is sent; the valid
 * ones go upstream as planned (one call per listing, per 200 ranges), and a call's outcome is the
 * outcome of every range it carried. The batch engine runs the calls (deadline, concurrency, the
 * caller's fair share); the answer is per range.
 */
export function calendarWrites (deps: WriteDeps) {
  const today = () => new Date((deps.now ?? Date.now)()).toISOString().slice(0, 10)

  function check (updates: readonly CalendarUpdateItem[]) {
    const { problems, valid } = checkCalendarUpdates(updates, today())
    return { problems, valid }
  }

  return {
    async batchUpdateCalendar (body: BatchCalendarUpdateBody, ctx: WriteContext): Promise<{ replayed: boolean, body: PartialFailureResponse<CalendarUpdateResult> } | { dryRun: DryRunResponse }> {
      const { updates, timeout_ms: timeoutMs } = body
      const { problems } = check(updates)
      if (body.dry_run === true) {
        const valid = updates.flatMap((item, index) => problems.has(index) ? [] : [{ index, item }])
        const calls = plannedCalendarCalls(planCalendarCalls(valid))
        return { dryRun: dryRun(deps, 'calendar_update', updates.map((item, index) => ({ index, operation_id: calendarOperationId(item, index), problem: problems.get(index) })), calls) }
      }
      const refused = updates.map((item, index) => {
        const problem = problems.get(index)
        return problem === undefined ? undefined : unsentResult<CalendarUpdateResult>(ruleError(problem), index, calendarOperationId(item, index))
      })

      // a plan (services/batch/run.ts): the ranges of one listing go in one upstream call, and that
      // call's outcome settles every range it carried, alike
      const plan: Strategy<CalendarUpdateResult> = {
        plan: async (indexes, run) => {
          const calls = planCalendarCalls(indexes.map((index) => ({ index, item: updates[index] })))
          await run.pool(calls, async (call) => {
            let attempts = 0
            try {
              await deps.hostaway.writeCalendar(call, { signal: run.signal, admission: run.admission, onAttempt: () => { attempts++ } })
              for (const index of call.items) run.settle(index, { ok: true, value: calendarUpdateResult(updates[index], call), attempts })
            } catch (error) {
              for (const index of call.items) run.settle(index, { ok: false, error, attempts })
            }
          })
        }
      }
      const execute = async (settled: ReadonlyArray<OperationResult<CalendarUpdateResult> | undefined>): Promise<PartialFailureResponse<CalendarUpdateResult>> =>
        (await deps.runBatch(updates.map((item, index) => calendarOperationId(item, index)), plan, { ...batchOptions(ctx, timeoutMs), settled })).response

      const outcome = await idempotentRun(deps, { operation: 'batchUpdateCalendar', keySpace: KEY_SPACE, body, ctx, refused, execute })
      deps.audit.write(writeEntries('calendar_update', {
        requestId: ctx.requestId, keyId: ctx.caller.id, idempotencyKey: ctx.idempotencyKey, replayed: outcome.replayed, earlier: outcome.earlier
      }, updates, outcome.body, (item) => ({
        listing_id: item.listing_id,
        start_date: item.start_date,
        end_date: item.end_date,
        fields: Object.keys(item).filter((name) => name !== 'listing_id' && name !== 'start_date' && name !== 'end_date')
      })))
      return { replayed: outcome.replayed, body: outcome.body }
    }
  }
}
