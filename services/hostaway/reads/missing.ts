// The negative entries of the read cache: an upstream 404, remembered NEGATIVE_CACHE_TTL_MS.
import { HostawayError } from '../../errors.js'

/** What the store holds for an id the upstream answered 404: its message (a plain object, so any store can hold it). */
export interface Missing { '@notFound': string }

export function isMissing (value: unknown): value is Missing {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Missing>)['@notFound'] === 'string'
}

/** A remembered 404, as the caller gets it: not_found, no attempt made now. */
export function notFound (message: string): HostawayError {
  return new HostawayError(message, { status_code: 404, error_type: 'not_found', retryable: false, attempts: 0 })
}
