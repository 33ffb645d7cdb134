import { STATUS_CODES } from 'node:http'
import { Kind, Type, TypeRegistry, type Static, type TSchema } from '@sinclair/typebox'
import type { OperationResult } from './batch.js'

/**
 * Refer to a schema registered with `app.addSchema()` by its `$id`, keeping its static type.
 * Used in route schemas so the OpenAPI document carries named components instead of inlined copies.
 */
export function Ref<T extends TSchema> (schema: T) {
  if (schema.$id === undefined) throw new Error('Ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id))
}

/** What OpenAPI shows next to a `$ref`: a description, examples (media level) and response headers. */
export interface Documentation {
  description?: string
  examples?: unknown[]
  headers?: Record<string, TSchema>
}

/**
 * A `$ref` to a registered model (by `$id`) with its documentation: the same model, described
 * where it is used (a request body's examples, a response's description, example and headers).
 */
export function Documented<T> (id: string | undefined, doc: Documentation) {
  if (id === undefined) throw new Error('Documented() needs the $id of a registered schema')
  return Type.Unsafe<T>({ ...Type.Ref(id), ...doc })
}

/** Annotations that describe a value rather than constrain it. */
const ANNOTATIONS = ['description', 'example', 'examples'] as const

/**
 * `schema` or null. The annotations (description, example) move to the union itself: SDK
 * generators read a property's description there, and drop the ones inside `anyOf`.
 */
export function Nullable<T extends TSchema> (schema: T) {
  const inner: Record<string | symbol, unknown> = { ...(schema as object) }
  const outer: Record<string, unknown> = {}
  for (const key of ANNOTATIONS) {
    if (inner[key] !== undefined) outer[key] = inner[key]
    delete inner[key]
  }
  return Type.Union([inner as unknown as T, Type.Null()], outer)
}

/** The largest id accepted: every integer up to it is exact in JSON and in JavaScript. */
const MAX_ID = Number.MAX_SAFE_INTEGER

/** A Hostaway id: a positive integer (path parameters, query filters, batch items). */
export function PositiveId (description = 'A Hostaway id') {
  return Type.Integer({ minimum: 1, maximum: MAX_ID, description: `${description} (1..${MAX_ID})`, example: 1 })
}

/** The failure categories of the error taxonomy (docs/contract.md) — contract. */
export const ERROR_TYPES = [
  'not_found',
  'validation_error',
  'unauthorized',
  'forbidden',
  'method_not_allowed',
  'upstream_auth',
  'conflict',
  'rate_limit',
  'timeout',
  'unprocessed',
  'outcome_unknown',
  'upstream_error',
  'network_error',
  'internal_error'
] as const
export type ErrorType = typeof ERROR_TYPES[number]

TypeRegistry.Set('StringEnum', (schema: { enum: string[] }, value) => typeof value === 'string' && schema.enum.includes(value))

/**
 * A string enum (`{ type: 'string', enum }`): SDK generators make a union type of it, where a
 * union of `const`s renders as so many "string"s. Checked by Ajv and by TypeBox's Value.
 */
export function StringEnum<T extends string> (values: readonly T[], options: { $id?: string, description: string }) {
  return Type.Unsafe<T>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...options })
}

export const ErrorTypeSchema = StringEnum(ERROR_TYPES, {
  $id: 'ErrorType',
  description: 'Category of a failure; docs/contract.md gives the HTTP status and retryability of each'
})

/** The one error body of every non-2xx response — contract. */
export const ErrorResponseSchema = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599, description: 'HTTP status code', example: 400 }),
  error: Type.String({ description: 'HTTP status text', example: 'Bad Request' }),
  message: Type.String({ description: 'What went wrong, naming the failing field where there is one', example: 'body/ids must NOT have fewer than 1 items' }),
  error_type: Type.Union([
    Ref(ErrorTypeSchema),
    Type.String({ pattern: '^[A-Za-z_$][\\w$]{0,63}$', description: "For a 500 only: the unexpected error's class name (e.g. TypeError); nothing else of it is sent" })
  ], { description: 'An ErrorType; for a 500 the class name of the unexpected error (the original contract)' }),
  request_id: Type.String({ description: 'The request id (echoed in the X-Request-Id response header)', example: 'req-1' })
}, { $id: 'ErrorResponse', additionalProperties: false, description: 'Error body of every non-2xx response' })
export type ErrorResponse = Static<typeof ErrorResponseSchema>

/** Response headers the gateway sends, as OpenAPI documents them (`headers` of a response). */
export const RESPONSE_HEADERS = {
  'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before sending again; sent when the failure is retryable' }),
  'Idempotent-Replayed': Type.Literal('true', { description: 'Sent when the response is the stored result of an earlier request with the same Idempotency-Key' })
}

/** What each documented error status means, and an example body (shown by Swagger UI and generators). */
const ERROR_STATUSES: Record<ErrorStatus, { description: string, errorType: ErrorType | 'TypeError', message: string }> = {
  400: { description: 'Invalid request: the message names the field and the rule', errorType: 'validation_error', message: 'querystring/limit must be <= 100' },
  401: { description: 'Missing or invalid X-API-Key', errorType: 'unauthorized', message: 'Missing or invalid X-API-Key header' },
  403: { description: 'The API key lacks the scope this operation needs', errorType: 'forbidden', message: 'This API key lacks the "write" scope' },
  404: { description: 'No such item upstream', errorType: 'not_found', message: 'GET /listings/999999 → HTTP 404: Listing not found' },
  405: { description: 'The method is not supported on this path (the Allow header lists those that are)', errorType: 'method_not_allowed', message: 'GET /mcp is not supported: this MCP endpoint is stateless, send every message as a POST' },
  409: { description: 'The same Idempotency-Key is still running', errorType: 'conflict', message: 'A request with this Idempotency-Key is still being processed; retry later' },
  413: { description: 'The body is larger than BODY_LIMIT_BYTES', errorType: 'validation_error', message: 'Request body is too large' },
  414: { description: 'A path parameter is longer than 100 characters', errorType: 'validation_error', message: 'A path parameter is longer than 100 characters' },
  415: { description: 'The body is not JSON', errorType: 'validation_error', message: 'Content-Type must be application/json' },
  422: { description: 'The Idempotency-Key was used with another body', errorType: 'validation_error', message: 'Idempotency-Key was already used with a different request body' },
  431: { description: 'The request line and headers are larger than the server accepts (refused before routing, as on every route)', errorType: 'validation_error', message: 'The request line and headers are larger than the server accepts' },
  500: { description: 'A bug of the gateway: error_type is its class name; never a stack, its message or a secret', errorType: 'TypeError', message: 'Internal server error - operation may have partially completed' },
  502: { description: 'Upstream error, network error or rejected gateway credentials', errorType: 'upstream_error', message: 'GET /listings/1 → HTTP 500: Internal Server Error (after 4 attempts)' },
  503: { description: 'Temporarily unavailable: the upstream rate budget cannot serve the request before its deadline (refused at once: Retry-After is when its turn would come), the upstream rate limit was reached after retries, the shared state of several instances (Redis) is unavailable, or the gateway is not ready; retry after Retry-After', errorType: 'rate_limit', message: 'GET /listings/1 was not sent: no rate-limit slot in time: its turn would come in about 20931 ms, its deadline is in 14990 ms' },
  504: { description: 'Upstream did not answer in time', errorType: 'timeout', message: 'GET /listings/1 → no response within 10000 ms (after 4 attempts)' }
}

/** The documented error statuses (`errorResponses` accepts these). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 414 | 415 | 422 | 431 | 500 | 502 | 503 | 504

/** An ErrorResponse `$ref` with the status' description, example body and headers (`other`: another meaning of the status). */
function errorResponse (status: ErrorStatus, other?: { description: string, message: string }) {
  const { description, errorType, message } = { ...ERROR_STATUSES[status], ...other }
  const example: ErrorResponse = { statusCode: status, error: STATUS_CODES[status] as string, message, error_type: errorType, request_id: '5b0c3c0e-6f1a-4d0e-9a51-2b7a1f7e3c11' }
  const retryable = status >= 502 && status <= 504
  return Documented<ErrorResponse>(ErrorResponseSchema.$id, {
    description,
    examples: [example],
    ...(retryable ? { headers: { 'Retry-After': RESPONSE_HEADERS['Retry-After'] } } : {})
  })
}

/**
 * The error part of a route's `response` map: each status given answers with the ErrorResponse
 * body (`$ref`), its own description and example, and Retry-After on 502–504. Spread it next to
 * the success schema: `{ 200: Ref(X), ...errorResponses(400, 401) }`.
 */
export function errorResponses<S extends ErrorStatus> (...statuses: S[]): Record<S, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)])) as Record<S, ReturnType<typeof errorResponse>>
}

/**
 * The 403 of a route a key would protect while API_KEYS is unset: the Host and Origin rule
 * (services/host-guard.ts, README "Host and Origin"), the defence against DNS rebinding.
 */
export const FOREIGN_HOST_RESPONSE = errorResponse(403, {
  description: 'The request\'s Host or Origin is not one of the gateway\'s names (API_KEYS is unset: the defence against DNS rebinding)',
  message: 'Host "evil.example:3000" is not a name of this gateway: while API_KEYS is unset only requests to localhost, an IP address, the host of PUBLIC_BASE_URL or a host of ALLOWED_HOSTS are served (a defence against DNS rebinding)'
})

/**
 * The errors of the single-item read routes: 400 invalid request, 401 missing or wrong X-API-Key,
 * 403 the key lacks the scope, 404 unknown id, 500 a bug of ours, 502 upstream error, 503 upstream
 * rate limit, 504 upstream timeout; with an id in the path also 414 (a parameter over 100 characters).
 */
export const READ_ERRORS = errorResponses(400, 401, 403, 404, 500, 502, 503, 504)
export const READ_BY_ID_ERRORS = errorResponses(400, 401, 403, 404, 414, 500, 502, 503, 504)

/** The result of a batch item that succeeded (schemas/batch.ts): data, and null / false for every failure detail. */
export function succeeded<T> (data: T | null, index: number, operationId: string, attempts: number): OperationResult<T> {
  return {
    success: true,
    data,
    error: null,
    operation_id: operationId,
    index,
    error_type: null,
    status_code: null,
    retryable: false,
    retry_after_ms: null,
    remediation: null,
    attempts
  }
}

/** pino's level names, for LOG_LEVEL and the sandbox's SANDBOX_LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevelName = typeof LOG_LEVELS[number]
