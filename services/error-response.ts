import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import type { ErrorResponse, ErrorType } from '../schemas/common.js'
import { GatewayError, statusForErrorType } from './errors.js'

/** The message of every 500: no internals, and a warning that a write may have been applied. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error - operation may have partially completed'

/** The error type of a status the gateway answers on its own (`httpErrors.*`, Fastify's and Node's errors). */
const STATUS_ERROR_TYPES: Readonly<Record<number, ErrorType>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'timeout',
  409: 'conflict',
  429: 'rate_limit'
}

/** Every status has an error type: the table above, else a 4xx is the request's fault and anything else ours. */
export function errorTypeForStatus (status: number): ErrorType {
  return STATUS_ERROR_TYPES[status] ?? (status >= 400 && status < 500 ? 'validation_error' : 'internal_error')
}

/**
 * Messages of Fastify's own request errors, said in the API's terms; the default ones either say
 * little ("Unsupported Media Type") or echo the request (a long path parameter).
 */
const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is longer than 100 characters',
  FST_ERR_BAD_URL: 'The URL is not valid (bad percent-encoding)'
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number]

/**
 * "body/ids/2 must be >= 1" — names the failing field and the rule, in the API's words where
 * Ajv's would make the caller work out what to do: an update with only its id ("must NOT have
 * fewer than 2 properties") and a list over its size limit (split the batch).
 */
export function describeValidation (context: string | undefined, issues: ValidationIssue[]): string {
  return issues.map((issue) => {
    const where = `${context ?? 'request'}${issue.instancePath ?? ''}`
    const params = issue.params as Record<string, unknown>
    if (issue.keyword === 'additionalProperties') return `${where}/${String(params.additionalProperty)} is not an allowed field`
    if (issue.keyword === 'required') return `${where}/${String(params.missingProperty)} is required`
    // every update item is `{ <id>, ...fields }` with minProperties 2: the id alone changes nothing
    if (issue.keyword === 'minProperties' && /\/updates\/\d+$/.test(issue.instancePath ?? '')) {
      return `${where} has nothing to change: give at least one field to change besides its id`
    }
    if (issue.keyword === 'maxItems') {
      const limit = String(params.limit)
      return `${where} has more than ${limit} items, the most one request takes: split the batch into requests of at most ${limit}`
    }
    return `${where} ${issue.message ?? 'is invalid'}`
  }).join('; ')
}

/** An error mapped to the documented response: status, message, error type and Retry-After (s). */
export interface Mapped {
  status: number
  message: string
  /** an ErrorType; for a 500, the unexpected error's class name (the original contract) */
  errorType: ErrorType | string
  retryAfterS?: number
}

/**
 * The one mapping from any error to the documented response (docs/contract.md, "Errors of a
 * request"): validation failures are 400 naming the field; a GatewayError answers the status of
 * its error type, with Retry-After when retryable; an HTTP error keeps its 4xx; anything else is a
 * 500 that hides its message and names the error's class in `error_type` (the original contract:
 * "Internal server error - operation may have partially completed").
 */
export function mapError (error: FastifyError | GatewayError | Error): Mapped {
  if ('validation' in error && Array.isArray(error.validation)) {
    return { status: 400, message: describeValidation(error.validationContext, error.validation), errorType: 'validation_error' }
  }
  if (error instanceof GatewayError) {
    const status = statusForErrorType(error.error_type)
    const retryAfterS = error.retryable && status >= 502 && status <= 504
      ? Math.max(1, Math.ceil((error.retry_after_ms ?? 1000) / 1000))
      : undefined
    return { status, message: error.message, errorType: error.error_type, ...(retryAfterS === undefined ? {} : { retryAfterS }) }
  }
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (statusCode >= 400 && statusCode < 500) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : ''
    return { status: statusCode, message: FASTIFY_MESSAGES[code] ?? error.message, errorType: errorTypeForStatus(statusCode) }
  }
  return { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: className(error) }
}

/** An error's class name, when it is a plain identifier; else `Error` (never anything else of the error). */
function className (error: Error): string {
  const name = error.constructor?.name
  return typeof name === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : 'Error'
}

/** The documented ErrorResponse body for a mapped error of the request with this id. */
export function errorBody (request: { id: string }, mapped: Omit<Mapped, 'retryAfterS'>): ErrorResponse {
  return {
    statusCode: mapped.status,
    error: STATUS_CODES[mapped.status] ?? 'Error',
    message: mapped.message,
    error_type: mapped.errorType,
    request_id: String(request.id)
  }
}

/** Node's HTTP parser errors (`clientError`): the status Node would answer, and our message. */
export function clientErrorStatus (code: string | undefined): { status: number, message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'The request line and headers are larger than the server accepts' }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: 'The chunk extensions are larger than the server accepts' }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'The request was not received in time' }
  return { status: 400, message: `Malformed HTTP request${code === undefined ? '' : ` (${code})`}` }
}

/**
 * A complete HTTP/1.1 response carrying the ErrorResponse body, for the places where no Fastify
 * reply exists (a request Node's parser refused): the body, the X-Request-Id header, and
 * `Connection: close` because the connection cannot be trusted any further.
 */
export function rawErrorResponse (requestId: string, mapped: Omit<Mapped, 'retryAfterS'>): string {
  const { headers, body } = rawError(requestId, mapped)
  return `HTTP/1.1 ${mapped.status} ${STATUS_CODES[mapped.status] ?? 'Error'}\r\n` +
    `Content-Type: ${headers['content-type']}\r\n` +
    `Content-Length: ${headers['content-length']}\r\n` +
    `X-Request-Id: ${headers['x-request-id']}\r\n` +
    `Connection: ${headers.connection}\r\n\r\n` + body
}

/** The headers and body of an error answered outside Fastify (rawErrorResponse, or a Node `ServerResponse`). */
export function rawError (requestId: string, mapped: Omit<Mapped, 'retryAfterS'>) {
  const body = JSON.stringify(errorBody({ id: requestId }, mapped))
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId, connection: 'close' }
  return { headers, body }
}
