import { test } from 'tap'
import type { OperationResult, PartialFailureResponse } from '../../../schemas/batch.js'
import type { ErrorType } from '../../../schemas/common.js'
import { REMEDIATION } from '../../../services/errors.js'
import { batchSummary, listingSummary, pageSummary } from '../../../services/mcp/summaries.js'

const ok = (id: number, index: number): OperationResult<unknown> => ({
  success: true, data: { id }, error: null, operation_id: String(id), index, error_type: null, status_code: null, retryable: false, retry_after_ms: null, remediation: null, attempts: 1
})
const ko = (id: number | null, index: number, type: ErrorType, retryable: boolean, retryAfterMs: number | null = null): OperationResult<unknown> => ({
  success: false, data: null, error: 'x', operation_id: id === null ? null : String(id), index, error_type: type, status_code: 503, retryable, retry_after_ms: retryAfterMs, remediation: REMEDIATION[type], attempts: 1
})
function batch (successful: Array<OperationResult<unknown>>, failed: Array<OperationResult<unknown>>): PartialFailureResponse<unknown> {
  const total = successful.length + failed.length
  return { successful, failed, total_count: total, success_count: successful.length, failure_count: failed.length, has_failures: failed.length > 0, has_successes: successful.length > 0, partial_success: failed.length > 0 && successful.length > 0 }
}
const lookup = { verb: 'Looked up', noun: 'listing', tool: 'batch_get_listings', write: false }
const update = { verb: 'Updated', noun: 'listing', tool: 'batch_update_listings', write: true }

test('a batch without failures is one line', async (t) => {
  t.equal(batchSummary(batch([ok(1, 0)], []), lookup), 'Looked up 1 listing: 1 succeeded, 0 failed.')
  t.equal(batchSummary(batch([ok(1, 0), ok(2, 1)], []), update, true),
    'Updated 2 listings: 2 succeeded, 0 failed.\nReplayed: the stored result of an earlier call with this idempotency_key; nothing was sent upstream.')
})

test('retryable failures: resend only those, after the longest retry hint; the rest: do not resend unchanged', async (t) => {
  const text = batchSummary(batch([ok(1, 0)], [ko(2, 1, 'rate_limit', true, 2500), ko(3, 2, 'rate_limit', true, 800), ko(4, 3, 'validation_error', false)]), update)
  t.equal(text, [
    'Updated 4 listings: 1 succeeded, 3 failed.',
    'Failed, by category:',
    `- rate_limit: 2, 3 (retryable). ${REMEDIATION.rate_limit}`,
    `- validation_error: 4 (not retryable). ${REMEDIATION.validation_error}`,
    'What to do: Resend only the updates of listing_id 2, 3, under a new idempotency_key (a key replays its first result) with batch_update_listings after about 3 s. ' +
      'Do not resend 4 unchanged: see the remediation above.'
  ].join('\n'))
})

test('a category whose items differ in retryability says so; an item without an id is named by its position', async (t) => {
  const text = batchSummary(batch([], [ko(5, 0, 'outcome_unknown', true), ko(null, 1, 'outcome_unknown', false)]), update)
  t.match(text, /- outcome_unknown: 5, #1 \(partly retryable\)/)
  t.match(text, /Resend only the updates of listing_id 5,/)
  t.match(text, /Do not resend #1 unchanged/)
})

test('pages and single items', async (t) => {
  t.equal(pageSummary({ items: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], count: 5, limit: 2, offset: 2 }, 'listings'), '2 of 5 listings (offset 2). Next page: offset 4.')
  t.equal(pageSummary({ items: [{ id: 5, name: 'e' }], count: 5, limit: 2, offset: 4 }, 'listings'), '1 of 5 listings (offset 4).', 'the last page has no next page')
  t.equal(pageSummary({ items: [], count: 0, limit: 20, offset: 0 }, 'bookings'), '0 of 0 bookings (offset 0).')
  t.equal(listingSummary({ id: 3, name: 'Loft', city: 'Lisbon', price: 120, currencyCode: 'EUR' }), 'Listing 3: Loft in Lisbon, 120 EUR a night.')
  t.equal(listingSummary({ id: 4, name: 'Hut', city: null, price: null }), 'Listing 4: Hut.')
})

test('an id at several positions is named once, with how many; one id to resend is "id"', async (t) => {
  const text = batchSummary(batch([ok(1, 0)], [ko(9, 1, 'not_found', false), ko(5, 2, 'timeout', true), ko(9, 3, 'not_found', false)]), lookup)
  t.match(text, /- not_found: 9 ×2 \(not retryable\)/)
  t.match(text, /What to do: Resend only id 5 with batch_get_listings\. Do not resend 9 ×2 unchanged/)
  t.match(batchSummary(batch([], [ko(5, 0, 'timeout', true), ko(6, 1, 'timeout', true)]), lookup), /Resend only ids 5, 6 with/)
})
