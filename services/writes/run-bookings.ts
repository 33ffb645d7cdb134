import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { Booking } from '../../schemas/booking.js'
import type { BookingUpdateFields } from '../../schemas/booking.js'
import type { DryRunResponse, PlannedCall } from '../../schemas/dry-run.js'
import type { BatchBookingUpdateBody } from '../../schemas/writes.js'
import { writeEntries } from '../audit.js'
import { unsentResult } from '../batch/results.js'
import { eachOf } from '../batch/run.js'
import { GatewayError } from '../errors.js'
import type { BoundCallOptions } from '../seams.js'
import { bookingOperationId, brokenBookingRule, mergeReservation } from './bookings.js'
import { checkOncePerBatch } from '../operations.js'
import { batchOptions } from '../batch/options.js'
import { dryRun, idempotentRun, ruleError, type WriteContext, type WriteDeps } from './run-common.js'

/** Where reservation batches' Idempotency-Keys live. */
const KEY_SPACE = { method: 'PATCH', path: '/api/bookings/batch' }

/**
 * PATCH /api/bookings/batch (and the MCP tool batch_update_bookings): read, merge, write per
 * reservation. The read is the raw upstream object, past the cache (a copy without the secret
 * fields would write them back empty; an older copy would undo a change made meanwhile). An update
 * that changes nothing writes nothing; a merge that breaks a rule the item alone could not show
 * fails the item as validation_error (its read counted in `attempts`).
 */
export function bookingWrites (deps: WriteDeps) {
  return {
    async batchUpdateBookings (body: BatchBookingUpdateBody, ctx: WriteContext): Promise<{ replayed: boolean, body: PartialFailureResponse<Booking> } | { dryRun: DryRunResponse }> {
      const { updates, timeout_ms: timeoutMs } = body
      checkOncePerBatch(updates, 'booking_id', 'booking')
      const problems = new Map<number, string>()
      updates.forEach(({ booking_id: _id, ...fields }, i) => {
        const rule = brokenBookingRule(fields)
        if (rule !== undefined) problems.set(i, `updates/${i}/${rule}`)
      })
      if (body.dry_run === true) {
        const calls: PlannedCall[] = updates.flatMap((u, i): PlannedCall[] => problems.has(i)
          ? []
          : [{ kind: 'read', method: 'GET', path: `/reservations/${u.booking_id}`, items: [i] }, { kind: 'write', method: 'PUT', path: `/reservations/${u.booking_id}`, items: [i] }])
        return { dryRun: dryRun(deps, 'booking_update', updates.map((u, index) => ({ index, operation_id: bookingOperationId(u), problem: problems.get(index) })), calls) }
      }
      const refused = updates.map((u, i) => {
        const problem = problems.get(i)
        return problem === undefined ? undefined : unsentResult<Booking>(ruleError(problem), i, bookingOperationId(u))
      })
      const operations = updates.map(({ booking_id: id, ...fields }, i) => async (opts: BoundCallOptions): Promise<Booking> => {
        const current = await deps.hostaway.readReservationForUpdate(id, opts)
        const merged = mergeReservation(current, fields as BookingUpdateFields)
        if (!merged.ok) {
          throw GatewayError.invalid(`updates/${i}/${merged.problem}`)
        }
        // nothing differs: nothing to write (the reservation as it is)
        if (merged.changed.length === 0) return current as unknown as Booking
        return await deps.hostaway.updateReservation(id, merged.body, opts)
      })
      const execute = (settled: ReadonlyArray<OperationResult<Booking> | undefined>) =>
        deps.runBatch(updates.map(bookingOperationId), eachOf(operations), { ...batchOptions(ctx, timeoutMs), settled }).then((run) => run.response)

      const outcome = await idempotentRun(deps, { operation: 'batchUpdateBookings', keySpace: KEY_SPACE, body, ctx, refused, execute })
      deps.audit.write(writeEntries('booking_update', {
        requestId: ctx.requestId, keyId: ctx.caller.id, idempotencyKey: ctx.idempotencyKey, replayed: outcome.replayed, earlier: outcome.earlier
      }, updates, outcome.body, (u) => ({ booking_id: u.booking_id, fields: Object.keys(u).filter((name) => name !== 'booking_id') })))
      return { replayed: outcome.replayed, body: outcome.body }
    }
  }
}
