import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * Refer to a schema registered with `app.addSchema()` by its `$id`, keeping its static type.
 * Used in route schemas so the OpenAPI document carries named components instead of inlined copies.
 */
export function Ref<T extends TSchema> (schema: T) {
  if (schema.$id === undefined) throw new Error('Ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id))
}

/** `schema` or null. */
export function Nullable<T extends TSchema> (schema: T) {
  return Type.Union([schema, Type.Null()])
}

/** A Hostaway id: a positive integer (path parameters, query filters, batch items). */
export function PositiveId (description = 'A Hostaway id (positive integer)') {
  return Type.Integer({ minimum: 1, description, example: 1 })
}

/** The failure categories of the error taxonomy (docs/contract.md) — contract. */
export const ERROR_TYPES = [
  'not_found',
  'validation_error',
  'unauthorized',
  'forbidden',
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

/** The ErrorType union; `options` name it (`$id`) or describe it where it is embedded. */
export function errorTypeUnion (options: { $id?: string, description: string }) {
  return Type.Union(ERROR_TYPES.map((t) => Type.Literal(t)), options)
}

export const ErrorTypeSchema = errorTypeUnion({ $id: 'ErrorType', description: 'Category of a failure (see the error taxonomy)' })
export type ErrorType = Static<typeof ErrorTypeSchema>

/** The one error body of every non-2xx response — contract. */
export const ErrorResponseSchema = Type.Object({
  statusCode: Type.Integer({ description: 'HTTP status code', example: 400 }),
  error: Type.String({ description: 'HTTP status text', example: 'Bad Request' }),
  message: Type.String({ description: 'What went wrong, naming the failing field where there is one', example: 'body/ids must NOT have fewer than 1 items' }),
  error_type: Type.Optional(Type.String({ description: 'An ErrorType for upstream and validation failures, or the class name of an unexpected error', example: 'validation_error' })),
  request_id: Type.String({ description: 'The request id (echoed in the X-Request-Id response header)', example: 'req-1' })
}, { $id: 'ErrorResponse', additionalProperties: false, description: 'Error body of every non-2xx response' })
export type ErrorResponse = Static<typeof ErrorResponseSchema>

const ErrorRef = Ref(ErrorResponseSchema)

/**
 * The error part of a route's `response` map: each status given answers with the ErrorResponse
 * body (`$ref`). Spread it next to the success schema: `{ 200: Ref(X), ...errorResponses(400, 401) }`.
 */
export function errorResponses<S extends number> (...statuses: S[]): Record<S, typeof ErrorRef> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorRef])) as Record<S, typeof ErrorRef>
}

/** pino's level names, for LOG_LEVEL and the sandbox's SANDBOX_LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevelName = typeof LOG_LEVELS[number]
