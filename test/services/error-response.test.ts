import { test } from 'tap'
import { httpErrors } from '@fastify/sensible'
import { ERROR_TYPES } from '../../schemas/common.js'
import { GatewayError, REMEDIATION, statusForErrorType } from '../../services/errors.js'
import { INTERNAL_ERROR_MESSAGE, clientErrorStatus, errorBody, errorTypeForStatus, mapError, rawErrorResponse } from '../../services/error-response.js'

const upstream = (errorType: GatewayError['error_type'], retryable: boolean, retryAfterMs?: number) =>
  GatewayError.classified(`upstream said ${errorType}`, { status_code: null, error_type: errorType, retryable, retry_after_ms: retryAfterMs })

test('every error type has a status and a remediation', async (t) => {
  for (const type of ERROR_TYPES) {
    t.ok(statusForErrorType(type) >= 400 && statusForErrorType(type) <= 504, `${type} → ${statusForErrorType(type)}`)
    t.match(REMEDIATION[type], /\w{3,}/, `${type} has a remediation`)
  }
  t.same(Object.keys(REMEDIATION).sort(), [...ERROR_TYPES].sort(), 'no remediation for an unknown type')
})

test('the caller and the gateway credentials are told apart', async (t) => {
  t.equal(statusForErrorType('unauthorized'), 401, "the caller's X-API-Key")
  t.equal(statusForErrorType('forbidden'), 403, 'a caller refused by the gateway')
  t.equal(statusForErrorType('upstream_auth'), 502, "the gateway's own Hostaway credentials")
  t.match(REMEDIATION.unauthorized, /X-API-Key/)
  t.match(REMEDIATION.upstream_auth, /operator.*HOSTAWAY_ACCOUNT_ID \/ HOSTAWAY_API_KEY/)
  t.notMatch(REMEDIATION.unauthorized, /HOSTAWAY/)
})

test('mapError: upstream errors answer the status of their type, Retry-After only when retryable', async (t) => {
  t.same(mapError(upstream('upstream_auth', false)), { status: 502, message: 'upstream said upstream_auth', errorType: 'upstream_auth' })
  t.same(mapError(upstream('not_found', false)), { status: 404, message: 'upstream said not_found', errorType: 'not_found' })
  t.same(mapError(upstream('rate_limit', true, 2100)), { status: 503, message: 'upstream said rate_limit', errorType: 'rate_limit', retryAfterS: 3 })
  t.equal(mapError(upstream('network_error', true)).retryAfterS, 1, 'at least one second when upstream gave no hint')
})

test('mapError: HTTP errors keep their 4xx; the caller-401 is unauthorized', async (t) => {
  t.same(mapError(httpErrors.unauthorized('Missing or invalid X-API-Key header')), { status: 401, message: 'Missing or invalid X-API-Key header', errorType: 'unauthorized' })
  t.same(mapError(httpErrors.unprocessableEntity('nope')), { status: 422, message: 'nope', errorType: 'validation_error' })
  t.same(mapError(httpErrors.imateapot('tea')), { status: 418, message: 'tea', errorType: 'validation_error' }, 'any other 4xx is the request\'s fault')
})

test('mapError: anything else is a 500 that hides its message and names its class (the original contract)', async (t) => {
  class SecretLeak extends Error {}
  t.same(mapError(new SecretLeak('password=hunter2')), { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: 'SecretLeak' })
  t.same(mapError(new TypeError('x is undefined')), { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: 'TypeError' })
  t.same(mapError(httpErrors.badGateway('raw upstream text')), { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: 'BadGatewayError' })
  const odd = new Error('odd')
  Object.defineProperty(odd, 'constructor', { value: { name: 'not an identifier <script>' } })
  t.equal(mapError(odd).errorType, 'Error', 'a class name that is not an identifier is never sent')
})

test('every status has an error type of the taxonomy', async (t) => {
  const cases: Array<[number, string]> = [[400, 'validation_error'], [401, 'unauthorized'], [403, 'forbidden'], [404, 'not_found'], [405, 'method_not_allowed'],
    [408, 'timeout'], [409, 'conflict'], [413, 'validation_error'], [414, 'validation_error'], [415, 'validation_error'], [417, 'validation_error'],
    [422, 'validation_error'], [429, 'rate_limit'], [431, 'validation_error'], [500, 'internal_error'], [503, 'internal_error']]
  for (const [status, type] of cases) t.equal(errorTypeForStatus(status), type, `${status} → ${type}`)
  for (const status of [400, 404, 418, 431, 500, 599]) t.ok((ERROR_TYPES as readonly string[]).includes(errorTypeForStatus(status)))
})

test('Fastify\'s own request errors are said in the API\'s terms, never echoing the request', async (t) => {
  const fastifyError = (code: string, statusCode: number, message: string) => Object.assign(new Error(message), { code, statusCode })
  t.same(mapError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type')), { status: 415, message: 'Content-Type must be application/json', errorType: 'validation_error' })
  const long = mapError(fastifyError('FST_ERR_MAX_PARAM_LENGTH', 414, `'${'9'.repeat(5000)}' is exceeding the max param length`))
  t.same(long, { status: 414, message: 'A path parameter is longer than 100 characters', errorType: 'validation_error' })
})

test('Node\'s parser errors: the status Node would answer, in a complete raw response with the error body', async (t) => {
  t.same(clientErrorStatus('HPE_HEADER_OVERFLOW').status, 431)
  t.same(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT').status, 408)
  t.same(clientErrorStatus('HPE_CHUNK_EXTENSIONS_OVERFLOW').status, 413)
  t.same(clientErrorStatus('HPE_INVALID_METHOD'), { status: 400, message: 'Malformed HTTP request (HPE_INVALID_METHOD)' })
  const raw = rawErrorResponse('req-7', { status: 431, message: 'too large', errorType: 'validation_error' })
  const [head, body] = raw.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
  t.match(head, /\r\nX-Request-Id: req-7\r\n/)
  t.match(head, new RegExp(`\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`))
  t.same(JSON.parse(body), { statusCode: 431, error: 'Request Header Fields Too Large', message: 'too large', error_type: 'validation_error', request_id: 'req-7' })
})

test('errorBody: the documented ErrorResponse', async (t) => {
  t.same(errorBody({ id: 'req-9' }, { status: 503, message: 'Not ready', errorType: 'upstream_auth' }), {
    statusCode: 503, error: 'Service Unavailable', message: 'Not ready', error_type: 'upstream_auth', request_id: 'req-9'
  })
  t.same(Object.keys(errorBody({ id: 'r' }, { status: 418, message: 'tea', errorType: 'validation_error' })).sort(), ['error', 'error_type', 'message', 'request_id', 'statusCode'])
})
