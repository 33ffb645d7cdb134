import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { ErrorResponse, ErrorType } from '../../schemas/common.js'
import { HostawayError, gatewayStatusFor } from '../../services/errors.js'

export const INTERNAL_ERROR_MESSAGE = 'Internal server error - operation may have partially completed'

const CLIENT_ERROR_TYPES: Record<number, ErrorType> = {
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
function describeValidation (context: string | undefined, issues: ValidationIssue[]): string {
  return issues.map((issue) => {
    const where = `${context ?? 'request'}${issue.instancePath ?? ''}`
    const params = issue.params as Record<string, unknown>
    if (issue.keyword === 'additionalProperties') return `${where}/${String(params.additionalProperty)} is not an allowed field`
    if (issue.keyword === 'required') return `${where}/${String(params.missingProperty)} is required`
    return `${where} ${issue.message ?? 'is invalid'}`
  }).join('; ')
}

export interface Mapped {
  status: number
  message: string
  errorType?: string
  retryAfterS?: number
}

/** The one mapping from any error to the documented response (shared by the log hook and the handler). */
export function mapError (error: FastifyError | HostawayError | Error): Mapped {
  if ('validation' in error && Array.isArray(error.validation)) {
    return { status: 400, message: describeValidation(error.validationContext, error.validation), errorType: 'validation_error' }
  }
  if (error instanceof HostawayError) {
    const status = gatewayStatusFor(error)
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

/** The documented ErrorResponse body for a mapped error. */
export function errorBody (request: FastifyRequest, mapped: Mapped): ErrorResponse {
  return {
    statusCode: mapped.status,
    error: STATUS_CODES[mapped.status] ?? 'Error',
    message: mapped.message,
    ...(mapped.errorType === undefined ? {} : { error_type: mapped.errorType }),
    request_id: String(request.id)
  }
}

/**
 * Error recovery (T029b): one central error handler mapping every error to the documented
 * ErrorResponse, an onError hook that logs it with request context, and a not-found handler.
 * A 5xx never carries a stack, a token or an upstream message.
 */
export default fp(async (fastify) => {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  fastify.addHook('onError', async (request, _reply, error) => {
    const { status } = mapError(error)
    const entry = {
      method: request.method,
      path: request.url.split('?')[0],
      route: request.routeOptions.url,
      error_class: error.constructor?.name ?? 'Error',
      status,
      request_id: request.id,
      err: error
    }
    if (status >= 500) request.log.error(entry, 'request failed')
    else request.log.info(entry, 'request rejected')
  })

  fastify.setErrorHandler(function errorHandler (error: FastifyError | HostawayError | Error, request: FastifyRequest, reply: FastifyReply) {
    const mapped = mapError(error)
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS))
    return reply.code(mapped.status).send(errorBody(request, mapped))
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    return reply.code(404).send(errorBody(request, { status: 404, message: `Route ${request.method} ${request.url.split('?')[0]} not found`, errorType: 'not_found' }))
  })
}, { name: 'error-recovery' })
