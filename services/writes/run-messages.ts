import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { DryRunResponse, PlannedCall } from '../../schemas/dry-run.js'
import type { BatchMessagesBody, MessageItem, MessageSendResult } from '../../schemas/writes.js'
import { writeEntries } from '../audit.js'
import { unsentResult } from '../batch/results.js'
import { eachOf } from '../batch/run.js'
import { GatewayError } from '../errors.js'
import type { HostawayClient } from '../hostaway/client.js'
import type { BoundCallOptions, CallOptions } from '../seams.js'
import {
  bookingsWithoutConversation, brokenMessageRule, checkBeforeResending, conversationsByReservation, messageAudit, messageOperationId, repeatedMessages
} from './messages.js'
import { batchOptions } from '../batch/options.js'
import { dryRun, idempotentRun, requireKey, ruleError, type WriteContext, type WriteDeps } from './run-common.js'

/** Where message batches' Idempotency-Keys live. */
const KEY_SPACE = { method: 'POST', path: '/api/batch/messages' }

/**
 * Up to this many reservations without a known conversation are looked up one by one
 * (GET /reservations/{id}/conversations); more are found by reading the conversation list a page
 * (100) at a time, once for the batch, stopping when every one was found.
 */
export const LOOKUP_ALONE_MAX = 3

/** The problem of each refused message, by index: a blank body, or a repeat of an earlier message to the same booking. */
export function messageProblems (messages: readonly MessageItem[]): Map<number, string> {
  const problems = new Map<number, string>()
  messages.forEach((item, index) => {
    const broken = brokenMessageRule(item)
    if (broken !== undefined) problems.set(index, `messages/${index}/${broken}`)
  })
  for (const [index, problem] of repeatedMessages(messages)) if (!problems.has(index)) problems.set(index, problem)
  return problems
}

/**
 * The conversations of one batch's reservations: found once for the batch — the conversation list
 * read a page at a time until every reservation is found or the list ends (when there are more than
 * LOOKUP_ALONE_MAX of them) — and each reservation the pages did not hold looked up alone. The
 * reads are started by the first item that needs them and shared by the others; they are not
 * counted in an item's `attempts` (which counts the sends: 0 means the message never left).
 */
function conversationFinder (hostaway: HostawayClient, bookingIds: readonly number[]) {
  let scan: Promise<Map<number, number>> | undefined
  const distinct = [...new Set(bookingIds)]

  async function readPages (opts: CallOptions): Promise<Map<number, number>> {
    const found = new Map<number, number>()
    if (distinct.length <= LOOKUP_ALONE_MAX) return found
    try {
      let offset = 0
      for (;;) {
        const page = await hostaway.conversationsPage(offset, opts)
        for (const [reservation, conversation] of conversationsByReservation(page.items)) {
          const known = found.get(reservation)
          if (known === undefined || conversation > known) found.set(reservation, conversation)
        }
        offset += page.items.length
        if (page.items.length === 0 || offset >= page.count || bookingsWithoutConversation(distinct, found).length === 0) break
      }
    } catch {
      // a page that fails leaves its reservations to be looked up alone (their own failure, if any, is theirs)
    }
    return found
  }

  return {
    async conversationOf (bookingId: number, opts: BoundCallOptions): Promise<number> {
      const reads: CallOptions = { signal: opts.signal, admission: opts.admission }
      scan ??= readPages(reads)
      const known = (await scan).get(bookingId)
      if (known !== undefined) return known
      let conversations: Awaited<ReturnType<HostawayClient['reservationConversations']>>
      try {
        conversations = await hostaway.reservationConversations(bookingId, reads)
      } catch (err) {
        // a lookup's attempts are not the item's: `attempts` counts the sends (0: the message never left)
        throw err instanceof GatewayError ? err.withAttempts(0) : err
      }
      const newest = conversationsByReservation(conversations.map((c) => ({ ...c, reservationId: c.reservationId ?? bookingId }))).get(bookingId)
      if (newest === undefined) {
        throw GatewayError.notFound(`booking ${bookingId} has no conversation: there is nobody to send the message to (e.g. an owner stay)`, { status_code: null })
      }
      return newest
    },
    /** The reads a dry run would plan (the conversation list's first page, or one lookup per reservation). */
    plannedReads (valid: ReadonlyArray<{ index: number, bookingId: number }>): PlannedCall[] {
      if (valid.length === 0) return []
      const ids = [...new Set(valid.map((v) => v.bookingId))]
      if (ids.length > LOOKUP_ALONE_MAX) return [{ kind: 'read', method: 'GET', path: '/conversations', items: valid.map((v) => v.index) }]
      return ids.map((id) => ({ kind: 'read', method: 'GET', path: `/reservations/${id}/conversations`, items: valid.filter((v) => v.bookingId === id).map((v) => v.index) }))
    }
  }
}

/**
 * POST /api/batch/messages (and the MCP tool batch_send_messages): each message one item; never
 * sent twice (the send's own classification, hostaway/client.ts sendMessage); Idempotency-Key
 * required; a send whose outcome is unknown says to check the conversation before resending.
 */
export function messageWrites (deps: WriteDeps) {
  return {
    async batchSendMessages (body: BatchMessagesBody, ctx: WriteContext): Promise<{ replayed: boolean, body: PartialFailureResponse<MessageSendResult> } | { dryRun: DryRunResponse }> {
      requireKey(ctx, 'Idempotency-Key')
      const { messages, timeout_ms: timeoutMs } = body
      const problems = messageProblems(messages)
      if (body.dry_run === true) {
        const valid = messages.flatMap((m, index) => problems.has(index) ? [] : [{ index, bookingId: m.booking_id }])
        const reads = conversationFinder(deps.hostaway, valid.map((v) => v.bookingId)).plannedReads(valid)
        const writes: PlannedCall[] = valid.map((v) => ({ kind: 'write', method: 'POST', path: `/conversations/{conversation of booking ${v.bookingId}}/messages`, items: [v.index] }))
        return { dryRun: dryRun(deps, 'message_send', messages.map((m, index) => ({ index, operation_id: messageOperationId(m), problem: problems.get(index) })), [...reads, ...writes]) }
      }
      const refused = messages.map((m, index) => {
        const problem = problems.get(index)
        return problem === undefined ? undefined : unsentResult<MessageSendResult>(ruleError(problem), index, messageOperationId(m))
      })
      /** the conversation each booking's message went to (for the remediation of an unknown outcome) */
      const conversationOf = new Map<number, number>()

      const execute = async (settled: ReadonlyArray<OperationResult<MessageSendResult> | undefined>): Promise<PartialFailureResponse<MessageSendResult>> => {
        const finder = conversationFinder(deps.hostaway, messages.filter((_, i) => settled[i] === undefined).map((m) => m.booking_id))
        const operations = messages.map((m) => async (opts: BoundCallOptions): Promise<MessageSendResult> => {
          const conversationId = await finder.conversationOf(m.booking_id, opts)
          conversationOf.set(m.booking_id, conversationId)
          const sent = await deps.hostaway.sendMessage(
            { conversationId, reservationId: m.booking_id },
            { body: m.body, ...(m.communication_type === undefined ? {} : { communicationType: m.communication_type }) },
            opts
          )
          const { body_length: length, body_sha256: sha } = messageAudit(m.body)
          const type = (sent as { communicationType?: unknown }).communicationType
          const status = (sent as { status?: unknown }).status
          return {
            booking_id: m.booking_id,
            conversation_id: conversationId,
            message_id: sent.id,
            communication_type: typeof type === 'string' ? type : null,
            status: typeof status === 'string' ? status : null,
            body_length: length,
            body_sha256: sha
          }
        })
        const { response } = await deps.runBatch(messages.map((m) => messageOperationId(m)), eachOf(operations), { ...batchOptions(ctx, timeoutMs), settled })
        // an unknown outcome: say where to look before resending (the message may be there)
        for (const item of response.failed) {
          const conversationId = conversationOf.get(messages[item.index].booking_id)
          if (item.error_type === 'outcome_unknown' && conversationId !== undefined && settled[item.index] === undefined) {
            item.remediation = checkBeforeResending(messages[item.index].booking_id, conversationId)
          }
        }
        return response
      }

      const outcome = await idempotentRun(deps, { operation: 'batchSendMessages', keySpace: KEY_SPACE, body, ctx, refused, execute })
      deps.audit.write(writeEntries('message_send', {
        requestId: ctx.requestId, keyId: ctx.caller.id, idempotencyKey: ctx.idempotencyKey, replayed: outcome.replayed, earlier: outcome.earlier
      }, messages, outcome.body, (m) => ({ booking_id: m.booking_id, ...messageAudit(m.body) })))
      return { replayed: outcome.replayed, body: outcome.body }
    }
  }
}
