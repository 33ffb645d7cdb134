import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { succeeded } from '../../schemas/common.js'
import type { BatchCalendarUpdateBody, CalendarUpdateResult, DryRunResponse } from '../../schemas/writes.js'
import { writeEntries } from '../audit.js'
import { toPartialFailureResponse, unsentResult } from '../batch.js'
import {
  calendarOperationId, calendarUpdateResult, checkCalendarUpdates, planCalendarCalls, plannedCalendarCalls, outcomesByItem, type Indexed
} from './calendar.js'
import { batchOptions, dryRun, idempotentRun, ruleError, type WriteContext, type WriteDeps } from './run-common.js'
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

      const execute = async (settled: ReadonlyArray<OperationResult<CalendarUpdateResult> | undefined>): Promise<PartialFailureResponse<CalendarUpdateResult>> => {
        const toRun: Array<Indexed<CalendarUpdateItem>> = updates.flatMap((item, index) => settled[index] === undefined ? [{ index, item }] : [])
        const calls = planCalendarCalls(toRun)
        const ran = await deps.runBatch(
          calls.map((call) => (opts) => deps.hostaway.writeCalendar(call, opts)),
          calls.map((call) => `PUT /${call.path}`),
          batchOptions(ctx, timeoutMs)
        )
        const byCall = new Map<number, OperationResult<unknown>>()
        for (const result of [...ran.successful, ...ran.failed]) byCall.set(result.index, result)
        const callOf = outcomesByItem(calls, (i) => ({ call: calls[i], result: byCall.get(i) as OperationResult<unknown> }))
        const results = updates.map((item, index): OperationResult<CalendarUpdateResult> => {
          const known = settled[index]
          if (known !== undefined) return { ...known, index }
          const { call, result } = callOf.get(index) as { call: typeof calls[number], result: OperationResult<unknown> }
          const operationId = calendarOperationId(item, index)
          if (result.success) return succeeded(calendarUpdateResult(item, call), index, operationId, result.attempts)
          // the call's failure is each of its ranges' failure, alike
          return { ...result, data: null, index, operation_id: operationId }
        })
        return toPartialFailureResponse(results)
      }

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
