// The negative entries of the read cache: an upstream 404, remembered NEGATIVE_CACHE_TTL_MS.
import { GatewayError } from '../../errors.js'

/** What the store holds for an id the upstream answered 404: its message (a plain object, so any store can hold it). */
export interface Missing { '@notFound': string }

export function isMissing (value: unknown): value is Missing {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Missing>)['@notFound'] === 'string'
}

/** A remembered 404, as the caller gets it: not_found, no attempt made now. */
export function notFound (message: string): GatewayError {
  return GatewayError.notFound(message)
}
