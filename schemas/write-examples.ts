import type { PartialFailureResponse } from './batch.js'
import { succeeded } from './common.js'
import { notFoundExample } from './examples.js'
import type { BatchBookingUpdateBody, BatchCalendarUpdateBody, BatchMessagesBody, CalendarUpdateResult, MessageSendResult } from './writes.js'

/**
 * The OpenAPI examples of the #23 writes. Request examples run as they are against the sandbox's
 * seeded data (test/contract.test.ts); response examples validate against their schemas.
 */

export const BATCH_CALENDAR_UPDATE_EXAMPLES: BatchCalendarUpdateBody[] = [
  // listing 1's two ranges go upstream in one call (calendarIntervals); listing 2's alone (calendar)
  {
    updates: [
      { listing_id: 1, start_date: '2027-01-15', end_date: '2027-01-17', price: 180 },
      { listing_id: 1, start_date: '2027-02-01', end_date: '2027-02-03', is_available: false, note: 'maintenance' },
      { listing_id: 2, start_date: '2027-01-15', end_date: '2027-01-20', minimum_stay: 2 }
    ]
  },
  // the two ranges of listing 3 overlap: both refused, each naming the other; listing 4's is applied
  {
    updates: [
      { listing_id: 3, start_date: '2027-03-01', end_date: '2027-03-10', price: 140 },
      { listing_id: 4, start_date: '2027-03-01', end_date: '2027-03-02', minimum_stay: 3, maximum_stay: 14 },
      { listing_id: 3, start_date: '2027-03-10', end_date: '2027-03-12', price: 150 }
    ]
  }
]

const failedItem = (index: number, operationId: string, error: string) => ({
  success: false as const,
  data: null,
  error,
  operation_id: operationId,
  index,
  error_type: 'validation_error' as const,
  status_code: 400,
  retryable: false,
  retry_after_ms: null,
  remediation: 'Fix the item and send it again.',
  attempts: 0
})

export const PARTIAL_FAILURE_CALENDAR_EXAMPLE: PartialFailureResponse<CalendarUpdateResult> = {
  successful: [
    succeeded({ listing_id: 4, start_date: '2027-03-01', end_date: '2027-03-02', days: 2, fields: ['minimumStay', 'maximumStay'], call: { method: 'PUT', path: '/listings/4/calendar', items: [1] } }, 1, '4/1', 1)
  ],
  failed: [
    failedItem(0, '3/0', 'updates/0 overlaps updates/2: listing 3, 2027-03-01..2027-03-10 and 2027-03-10..2027-03-12; give each day of a listing once per batch'),
    failedItem(2, '3/2', 'updates/2 overlaps updates/0: listing 3, 2027-03-10..2027-03-12 and 2027-03-01..2027-03-10; give each day of a listing once per batch')
  ],
  total_count: 3,
  success_count: 1,
  failure_count: 2,
  has_failures: true,
  has_successes: true,
  partial_success: true
}

/** The original scenario: four reservations, one of which does not exist (and, in the sandbox, reservation 2 is an owner stay without a conversation). */
export const BATCH_MESSAGES_EXAMPLE: BatchMessagesBody = {
  messages: [1, 2, 999999, 4].map((id) => ({ booking_id: id, body: 'Hi! Check-in is from 15:00; the door code follows on the day.' }))
}

const HASH = '3a9f0c0d2f4d3c1e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c'
const sent = (index: number, bookingId: number, messageId: number): ReturnType<typeof succeeded<MessageSendResult>> => succeeded({
  booking_id: bookingId, conversation_id: 1000 + bookingId, message_id: messageId, communication_type: 'email', status: 'sent', body_length: 61, body_sha256: HASH
}, index, String(bookingId), 1)

export const PARTIAL_FAILURE_MESSAGES_EXAMPLE: PartialFailureResponse<MessageSendResult> = {
  successful: [sent(0, 1, 5120), sent(3, 4, 5121)],
  failed: [
    notFoundExample(1, '2', 'booking 2 has no conversation: there is nobody to send the message to (e.g. an owner stay)', 0),
    notFoundExample(2, '999999', 'GET /reservations/999999/conversations → HTTP 404: Reservation not found', 0)
  ],
  total_count: 4,
  success_count: 2,
  failure_count: 2,
  has_failures: true,
  has_successes: true,
  partial_success: true
}

export const BATCH_BOOKING_UPDATE_EXAMPLES: BatchBookingUpdateBody[] = [
  { updates: [{ booking_id: 1, hostNote: 'Late arrival: leave the keys in the lockbox' }, { booking_id: 3, numberOfGuests: 2, adults: 3 }] }
]
