import { test } from 'tap'
import { httpErrors } from '@fastify/sensible'
import { ERROR_TYPES } from '../../schemas/common.js'
import { HostawayError, REMEDIATION, statusForErrorType } from '../../services/errors.js'
import { INTERNAL_ERROR_MESSAGE, errorBody, mapError } from '../../services/error-response.js'

const upstream = (errorType: HostawayError['error_type'], retryable: boolean, retryAfterMs?: number) =>
  new HostawayError(`upstream said ${errorType}`, { status_code: null, error_type: errorType, retryable, retry_after_ms: retryAfterMs })

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
  t.same(mapError(httpErrors.imateapot('tea')), { status: 418, message: 'tea' }, 'a 4xx without an error type has none')
})

test('mapError: anything else is a 500 that hides its message and names its class', async (t) => {
  class SecretLeak extends Error {}
  t.same(mapError(new SecretLeak('password=hunter2')), { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: 'SecretLeak' })
  t.same(mapError(httpErrors.badGateway('raw upstream text')), { status: 500, message: INTERNAL_ERROR_MESSAGE, errorType: 'BadGatewayError' })
})

test('errorBody: the documented ErrorResponse', async (t) => {
  t.same(errorBody({ id: 'req-9' }, { status: 503, message: 'Not ready', errorType: 'upstream_auth' }), {
    statusCode: 503, error: 'Service Unavailable', message: 'Not ready', error_type: 'upstream_auth', request_id: 'req-9'
  })
  t.same(Object.keys(errorBody({ id: 'r' }, { status: 418, message: 'tea' })).sort(), ['error', 'message', 'request_id', 'statusCode'])
})
