import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import type { ErrorResponse, ErrorType } from '../schemas/common.js'
import { HostawayError, statusForErrorType } from './errors.js'

/** The message of every 500: no internals, and a warning that a write may have been applied. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error - operation may have partially completed'

/** The error type of a 4xx thrown as an HTTP error (`httpErrors.*`, Fastify's own errors). */
export const CLIENT_ERROR_TYPES: Readonly<Record<number, ErrorType>> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'validation_error',
  415: 'validation_error',
  422: 'validation_error',
  429: 'rate_limit'
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number]

/** "body/ids/2 must be >= 1" — names the failing field and the rule. */
export function describeValidation (context: string | undefined, issues: ValidationIssue[]): string {
  return issues.map((issue) => {
    const where = `${context ?? 'request'}${issue.instancePath ?? ''}`
    const params = issue.params as Record<string, unknown>
    if (issue.keyword === 'additionalProperties') return `${where}/${String(params.additionalProperty)} is not an allowed field`
    if (issue.keyword === 'required') return `${where}/${String(params.missingProperty)} is required`
    return `${where} ${issue.message ?? 'is invalid'}`
  }).join('; ')
}

/** An error mapped to the documented response: status, message, error type and Retry-After (s). */
export interface Mapped {
  status: number
  message: string
  errorType?: string
  retryAfterS?: number
}

/**
 * The one mapping from any error to the documented response (docs/contract.md, "Errors of a
 * request"): validation failures are 400 naming the field; a HostawayError answers the status of
 * its error type, with Retry-After when retryable; an HTTP error keeps its 4xx; anything else is a
 * 500 that hides its message and names its class.
 */
export function mapError (error: FastifyError | HostawayError | Error): Mapped {
  if ('validation' in error && Array.isArray(error.validation)) {
    return { status: 400, message: describeValidation(error.validationContext, error.validation), errorType: 'validation_error' }
  }
  if (error instanceof HostawayError) {
    const status = statusForErrorType(error.error_type)
    const retryAfterS = error.retryable && status >= 502 && status <= 504
      ? Math.max(1, Math.ceil((error.retry_after_ms ?? 1000) / 1000))
      : undefined
    return { status, message: error.message, errorType: error.error_type, ...(retryAfterS === undefined ? {} : { retryAfterS }) }
  }
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (statusCode >= 400 && statusCode < 500) {
    const errorType = CLIENT_ERROR_TYPES[statusCode]
    return { status: statusCode, message: error.message, ...(errorType === undefined ? {} : { errorType }) }
  }
  return { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: error.constructor?.name ?? 'Error' }
}

/** The documented ErrorResponse body for a mapped error of the request with this id. */
export function errorBody (request: { id: string }, mapped: Mapped): ErrorResponse {
  return {
    statusCode: mapped.status,
    error: STATUS_CODES[mapped.status] ?? 'Error',
    message: mapped.message,
    ...(mapped.errorType === undefined ? {} : { error_type: mapped.errorType }),
    request_id: String(request.id)
  }
}
