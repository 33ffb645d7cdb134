import type { BatchListingUpdateBody, BatchLookupBody, PartialFailureResponse } from './batch.js'
import { succeeded } from './common.js'
import type { Listing } from './listing.js'

/**
 * The examples of the OpenAPI document. Request examples run as they are against the sandbox's
 * seeded data (Swagger UI's "Try it out", and test/contract.test.ts on every run); response
 * examples validate against their schemas (same test).
 */

/** The original scenario: four listings, one of which does not exist. */
export const BATCH_LOOKUP_EXAMPLE: BatchLookupBody = { ids: [1, 2, 999999, 4] }

export const BATCH_LISTING_UPDATE_EXAMPLES: BatchListingUpdateBody[] = [
  { updates: [{ listing_id: 1, price: 199 }, { listing_id: 2, minNights: 2, maxNights: 30 }] },
  // the second item breaks a per-item rule: it fails alone, the first one is applied
  { updates: [{ listing_id: 3, cleaningFee: 45 }, { listing_id: 4, minNights: 30, maxNights: 2 }] }
]

const success = (index: number, data: Listing) => succeeded(data, index, String(data.id), 1)

/** A failed item of an example: `not_found`, with the taxonomy's remediation (docs/contract.md). */
export function notFoundExample (index: number, operationId: string, error: string, attempts: number) {
  return {
    success: false,
    data: null,
    error,
    operation_id: operationId,
    index,
    error_type: 'not_found' as const,
    status_code: 404,
    retryable: false,
    retry_after_ms: null,
    remediation: 'Check the id; the item does not exist upstream.',
    attempts
  }
}

export const PARTIAL_FAILURE_LISTING_EXAMPLE: PartialFailureResponse<Listing> = {
  successful: [
    success(0, { id: 1, name: 'Cozy villa with balcony in Campo de’ Fiori', city: 'Rome', countryCode: 'IT', price: 298, personCapacity: 10, currencyCode: 'EUR' }),
    success(1, { id: 2, name: 'Bright studio near the beach in Ipanema', city: 'Rio de Janeiro', countryCode: 'BR', price: 93, personCapacity: 2, currencyCode: 'BRL' }),
    success(3, { id: 4, name: 'Quiet loft with workspace in Shoreditch', city: 'London', countryCode: 'GB', price: 151, personCapacity: 4, currencyCode: 'GBP' })
  ],
  failed: [notFoundExample(2, '999999', 'GET /listings/999999 → HTTP 404: Listing not found', 1)],
  total_count: 4,
  success_count: 3,
  failure_count: 1,
  has_failures: true,
  has_successes: true,
  partial_success: true
}

/** The outcome of the second update example: the first item applied, the second refused by a per-item rule. */
export const PARTIAL_FAILURE_UPDATE_EXAMPLE: PartialFailureResponse<Listing> = {
  successful: [success(0, { id: 3, name: 'Sunny apartment with terrace in Alfama', city: 'Lisbon', countryCode: 'PT', price: 120, currencyCode: 'EUR' })],
  failed: [{
    success: false,
    data: null,
    error: 'updates/1/maxNights must be >= minNights',
    operation_id: '4',
    index: 1,
    error_type: 'validation_error',
    status_code: 400,
    retryable: false,
    retry_after_ms: null,
    remediation: 'Fix the item and send it again.',
    attempts: 0
  }],
  total_count: 2,
  success_count: 1,
  failure_count: 1,
  has_failures: true,
  has_successes: true,
  partial_success: true
}
