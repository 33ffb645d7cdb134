/**
 * The error examples of the OpenAPI document (services/openapi.ts puts them on each operation):
 * per operation and status, what that operation answers, generated from its path, parameters, body
 * and the upstream call it makes. The document's objects, as far as the documenter reads them.
 */

export interface Media { schema?: unknown, example?: unknown, examples?: Record<string, { value: unknown }> }
export interface Parameter { name: string, in: string, schema?: { maximum?: number, type?: string } }
export interface ResponseObject { description?: string, headers?: Record<string, unknown>, content?: Record<string, Media> }
export interface OperationObject {
  description?: string
  parameters?: Parameter[]
  requestBody?: { content?: Record<string, Media> }
  responses?: Record<string, ResponseObject>
  security?: Array<Record<string, string[]>>
  'x-required-scope'?: string
}
export type Paths = Record<string, Record<string, OperationObject | undefined> | undefined>
export interface Components { schemas?: Record<string, { properties?: Record<string, { minItems?: number }>, required?: string[] }> }

/** The gateway's REST API: /api and the routes under it. */
export const isApi = (path: string) => path === '/api' || path.startsWith('/api/')
export const WEBHOOK_PATH = '/webhooks/hostaway'

/**
 * The first upstream call a gateway route makes for id 1, as its error messages name it
 * (services/hostaway/endpoints.ts); the routes that call no upstream have none.
 */
export function upstreamCallOf (method: string, path: string): string | undefined {
  if (method !== 'get') return undefined
  const call: Record<string, string> = {
    '/api/listings': 'GET /listings',
    '/api/listings/available': 'GET /listings',
    '/api/listings/{listingId}': 'GET /listings/1',
    '/api/listings/{listingId}/calendar': 'GET /listings/1/calendar',
    '/api/bookings': 'GET /reservations',
    '/api/bookings/{bookingId}': 'GET /reservations/1',
    // a reservation's messages: the reservation is looked up first (its conversations alongside)
    '/api/bookings/{bookingId}/messages': 'GET /reservations/1'
  }
  return call[path]
}

/**
 * What a route's 404 says: a by-id route, the upstream's answer for id 999999 (the calendar's is
 * its own call); a list route, the upstream's 404 for the list (not expected of Hostaway, passed on).
 */
function notFoundOf (path: string): string | undefined {
  if (path === '/api/listings/{listingId}/calendar') return 'GET /listings/999999/calendar → HTTP 404: Listing not found'
  if (path.startsWith('/api/listings/{listingId}')) return 'GET /listings/999999 → HTTP 404: Listing not found'
  if (path.startsWith('/api/bookings/{bookingId}')) return 'GET /reservations/999999 → HTTP 404: Reservation not found'
  if (path.startsWith('/api/jobs/{id}')) return 'No job 999999 (jobs are kept JOB_RESULT_TTL_MS after they end, and seen only by the API key that created them)'
  if (path === '/api/listings' || path === '/api/listings/available') return 'GET /listings → HTTP 404: Listing not found'
  if (path === '/api/bookings') return 'GET /reservations → HTTP 404: Reservation not found'
  return undefined
}

/** What a 400 of this operation says: its first path parameter, else its first bounded query parameter, else its body's first non-empty list. */
function badRequestOf (path: string, operation: OperationObject, components: Components): string | undefined {
  if (path === '/mcp') return 'Body is not valid JSON but content-type is set to \'application/json\''
  // an integer id (a job's id is text: any value is looked up, and an unknown one is a 404)
  const param = operation.parameters?.find((p) => p.in === 'path' && p.schema?.type === 'integer')
  if (param !== undefined) return `params/${param.name} must be an integer written in plain decimal digits`
  const bounded = operation.parameters?.find((p) => p.in === 'query' && p.schema?.maximum !== undefined)
  if (bounded !== undefined) return `querystring/${bounded.name} must be <= ${bounded.schema?.maximum ?? ''}`
  const ref = (operation.requestBody?.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref
  const body = ref === undefined ? undefined : components.schemas?.[ref.replace('#/components/schemas/', '')]
  const list = body?.required?.find((name) => body.properties?.[name]?.minItems !== undefined)
  if (list !== undefined) return `body/${list} must NOT have fewer than ${body?.properties?.[list]?.minItems ?? 1} items`
  if (body !== undefined) return 'body must be object'
  // every /api route refuses a query parameter it does not document
  return operation.parameters?.some((p) => p.in === 'query') === true || isApi(path) ? 'querystring/unknown is not an allowed field' : undefined
}

/**
 * The error example of one status of one operation: what that operation answers (its parameters,
 * its body, the upstream call it makes, its auth), never another route's message
 * (test/openapi-examples.test.ts produces each and compares). `description` replaces the
 * status' generic one where this route means something else by it.
 */
export function errorExampleOf (method: string, path: string, status: string, operation: OperationObject, components: Components, apiOpen: boolean):
{ message: string, errorType: string, description?: string } | undefined {
  const upstream = upstreamCallOf(method, path)
  const verb = method.toUpperCase()
  switch (status) {
    case '400': {
      const message = badRequestOf(path, operation, components)
      return message === undefined ? undefined : { message, errorType: 'validation_error' }
    }
    case '401': return path === WEBHOOK_PATH
      ? { message: 'Missing or wrong Basic credentials for the Hostaway webhook', errorType: 'unauthorized', description: 'Missing or wrong Basic credentials (WWW-Authenticate: Basic)' }
      : { message: 'Missing or invalid API key: send X-API-Key: <key> or Authorization: Bearer <key>', errorType: 'unauthorized', description: 'Missing or invalid API key (X-API-Key or Authorization: Bearer)' }
    case '403': {
      if (path === '/mcp' && !apiOpen) {
        return {
          message: 'Origin https://evil.example may not call /mcp: only pages served from localhost, 127.0.0.1, [::1] or an origin of MCP_ALLOWED_ORIGINS may, besides the gateway\'s own hosts (PUBLIC_BASE_URL, ALLOWED_HOSTS)',
          errorType: 'forbidden',
          description: 'The request\'s Origin may not call /mcp (the MCP specification\'s defence against DNS rebinding), or the key lacks a tool\'s scope'
        }
      }
      if (apiOpen) return undefined // FOREIGN_HOST_RESPONSE's own example
      return { message: `This API key lacks the "${operation['x-required-scope'] ?? 'read'}" scope`, errorType: 'forbidden' }
    }
    case '404': {
      if (path === WEBHOOK_PATH) {
        return {
          message: 'Route POST /webhooks/hostaway not found (the webhook receiver is off: set HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD)',
          errorType: 'not_found',
          description: 'The webhook receiver is off (HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD are unset)'
        }
      }
      const message = notFoundOf(path)
      if (message === undefined) return undefined
      const list = path === '/api/listings' || path === '/api/bookings' || path === '/api/listings/available'
      return { message, errorType: 'not_found', ...(list ? { description: 'The upstream answered 404 for the list (not expected of Hostaway; passed on as it came)' } : {}) }
    }
    case '405': return { message: `${verb} /mcp is not supported: this MCP endpoint is stateless, send every message as a POST`, errorType: 'method_not_allowed' }
    case '409': return { message: 'A request with this Idempotency-Key is still being processed; retry later', errorType: 'conflict' }
    case '413': return { message: 'Request body is too large', errorType: 'validation_error' }
    case '414': return { message: 'A path parameter is longer than 100 characters', errorType: 'validation_error' }
    case '415': return { message: 'Content-Type must be application/json', errorType: 'validation_error' }
    case '417': return { message: 'Only "Expect: 100-continue" is supported', errorType: 'validation_error' }
    case '422': return { message: 'Idempotency-Key was already used with a different request body', errorType: 'validation_error' }
    case '431': return { message: 'The request line and headers are larger than the server accepts', errorType: 'validation_error' }
    case '500': return { message: 'Internal server error - operation may have partially completed', errorType: 'TypeError' }
    case '502': return upstream === undefined ? undefined : { message: `${upstream} → HTTP 500: Internal Server Error (after 4 attempts)`, errorType: 'upstream_error' }
    case '503': {
      if (path === '/ready') {
        return { message: 'Not ready: Hostaway rejected the client credentials (HTTP 403)', errorType: 'upstream_auth', description: 'Not ready: Redis (with REDIS_URL) or the upstream cannot be reached, the circuit breaker is open, or the gateway is shutting down' }
      }
      if (upstream === undefined) {
        return { message: 'The gateway is shutting down: send the request again (another instance can take it)', errorType: 'unprocessed', description: 'Not served: the gateway is shutting down or overloaded, or the shared state of several instances (Redis) is unavailable; nothing was done, send it again after Retry-After' }
      }
      return { message: `${upstream} was not sent: no rate-limit slot in time: its turn would come in about 20931 ms, its deadline is in 14990 ms`, errorType: 'rate_limit' }
    }
    case '504': return upstream === undefined ? undefined : { message: `${upstream} → no response within 10000 ms (after 4 attempts)`, errorType: 'timeout' }
    default: return undefined
  }
}
