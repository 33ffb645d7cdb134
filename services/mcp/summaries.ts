import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { Booking } from '../../schemas/booking.js'
import type { Listing } from '../../schemas/listing.js'
import type { BookingPage, CalendarDays, ListingPage, MessageList } from '../../schemas/page.js'

/**
 * The short text an agent reads first in a tool result (`content[0]`); the full result follows as
 * `structuredContent`. Batch summaries say which items failed, why, and what to do next.
 */

/** "20 of 40 listings (offset 0). Next page: offset 20." */
export function pageSummary (page: ListingPage | BookingPage, noun: string): string {
  const { items, count, offset } = page
  const head = `${items.length} of ${count} ${noun} (offset ${offset}).`
  const next = offset + items.length
  return items.length > 0 && next < count ? `${head} Next page: offset ${next}.` : head
}

export function listingSummary (listing: Listing): string {
  const where = typeof listing.city === 'string' ? ` in ${listing.city}` : ''
  const price = typeof listing.price === 'number' ? `, ${[listing.price, listing.currencyCode].filter((v) => v != null).join(' ')} a night` : ''
  return `Listing ${listing.id}: ${listing.name}${where}${price}.`
}

export function calendarSummary (days: CalendarDays): string {
  const available = days.items.filter((d) => d.isAvailable === 1).length
  return `Calendar of listing ${days.listing_id} from ${days.start_date} to ${days.end_date}: ${days.count} days, ${available} available.`
}

export function bookingSummary (booking: Booking): string {
  const guest = typeof booking.guestName === 'string' ? ` for ${booking.guestName}` : ''
  return `Booking ${booking.id}: listing ${booking.listingMapId}, ${booking.arrivalDate} to ${booking.departureDate}${guest}, status ${booking.status}.`
}

export function messagesSummary (list: MessageList, bookingId: number): string {
  return `${list.count} message${list.count === 1 ? '' : 's'} of booking ${bookingId}, oldest first.`
}

/** How a batch tool names its items and how they are sent again. */
export interface BatchWording {
  /** 'Looked up' | 'Updated' */
  verb: string
  /** 'listing' | 'booking' */
  noun: string
  /** the tool to call again */
  tool: string
  /** a write: resend the failed updates under a new idempotency_key */
  write: boolean
  /** what a write's items are named by in the advice (default: "the updates of listing_id") */
  items?: string
}

/** Ids once each, in order of first appearance; an id at several positions (a duplicate in the request) says how many: "999999 ×2". */
function distinct (ids: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  return [...counts].map(([id, n]) => n === 1 ? id : `${id} ×${n}`)
}

const list = (ids: readonly string[]) => distinct(ids).join(', ')

/** Failed items grouped by error_type, in order of first appearance. */
function byCategory (failed: ReadonlyArray<OperationResult<unknown>>) {
  const groups = new Map<string, Array<OperationResult<unknown>>>()
  for (const item of failed) {
    const key = item.error_type ?? 'internal_error'
    groups.set(key, [...(groups.get(key) ?? []), item])
  }
  return groups
}

/**
 * "Looked up 4 listings: 3 succeeded, 1 failed." then one line per failure category (the ids, whether
 * resending may help, the remediation) and the next step: resend only the retryable ids (the
 * unprocessed ones were never sent), fix the others.
 */
export function batchSummary (result: PartialFailureResponse<unknown>, wording: BatchWording, replayed = false): string {
  const lines = [`${wording.verb} ${result.total_count} ${wording.noun}${result.total_count === 1 ? '' : 's'}: ${result.success_count} succeeded, ${result.failure_count} failed.`]
  if (replayed) lines.push('Replayed: the stored result of an earlier call with this idempotency_key; nothing was sent upstream.')
  if (result.failure_count === 0) return lines.join('\n')

  lines.push('Failed, by category:')
  for (const [type, items] of byCategory(result.failed)) {
    const ids = items.map((i) => i.operation_id ?? `#${i.index}`)
    const retry = items.every((i) => i.retryable) ? 'retryable' : items.some((i) => i.retryable) ? 'partly retryable' : 'not retryable'
    lines.push(`- ${type}: ${list(ids)} (${retry}). ${items[0].remediation ?? ''}`.trimEnd())
  }

  const retryable = result.failed.filter((i) => i.retryable).map((i) => i.operation_id ?? `#${i.index}`)
  const final = result.failed.filter((i) => !i.retryable).map((i) => i.operation_id ?? `#${i.index}`)
  const waitMs = Math.max(0, ...result.failed.map((i) => (i.retryable ? i.retry_after_ms ?? 0 : 0)))
  const steps: string[] = []
  if (retryable.length > 0) {
    const ids = distinct(retryable).length === 1 ? 'id' : 'ids'
    const what = wording.write ? `only ${wording.items ?? 'the updates of listing_id'} ${list(retryable)}, under a new idempotency_key (a key replays its first result)` : `only ${ids} ${list(retryable)}`
    const unprocessed = result.failed.some((i) => i.error_type === 'unprocessed') ? ' Unprocessed items were never sent; a larger timeout_ms gives them more time.' : ''
    steps.push(`Resend ${what} with ${wording.tool}${waitMs > 0 ? ` after about ${Math.ceil(waitMs / 1000)} s` : ''}.${unprocessed}`)
  }
  if (final.length > 0) steps.push(`Do not resend ${list(final)} unchanged: see the remediation above.`)
  lines.push(`What to do: ${steps.join(' ')}`)
  return lines.join('\n')
}

/** "Dry run: 3 items, 2 valid, 1 invalid; would make 1 upstream call (1 write), the earliest finish in 0.3 s. Nothing was sent." */
export function dryRunSummary (result: { total_count: number, valid_count: number, invalid_count: number, upstream_call_count: number, write_call_count: number, earliest_finish_ms: number, items: ReadonlyArray<{ index: number, error: string | null }> }): string {
  const calls = result.upstream_call_count
  const lines = [`Dry run: ${result.total_count} items, ${result.valid_count} valid, ${result.invalid_count} invalid; would make ${calls} upstream call${calls === 1 ? '' : 's'} ` +
    `(${result.write_call_count} write${result.write_call_count === 1 ? '' : 's'}), the earliest finish in ${(result.earliest_finish_ms / 1000).toFixed(1)} s. Nothing was sent.`]
  for (const item of result.items) if (item.error !== null) lines.push(`- #${item.index}: ${item.error}`)
  return lines.join('\n')
}
