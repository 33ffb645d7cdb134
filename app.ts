import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import AutoLoad from '@fastify/autoload'
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { CompileCache } from './lib/compile-cache.js'
import { forSerializer, sharedForSerializer } from './lib/serializer-schema.js'
import type { Server } from 'node:http'
import type { DestinationStream } from 'pino'
import type { Socket } from 'node:net'
import {
  LogController, type FastifyError, type FastifyHttpOptions, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest,
  type FastifyServerOptions, type RawRequestDefaultExpression
} from 'fastify'
import type { Config } from './schemas/config.js'
import { afterReceived, checkIntervalMs } from './services/connections.js'
import { clientErrorStatus, errorBody, errorTypeForStatus, mapError, rawErrorResponse } from './services/error-response.js'
import { loggerOptions } from './services/logger.js'
import { integerFields, singleValuedFields, singleValues, strictIntegers, type ValidateFunction } from './services/validation.js'
import type { UpstreamKind } from './services/upstream.js'
import { drainBoundMs } from './plugins/app/lifecycle.js'

export interface AppOptions {
  config: Config
  /** what HOSTAWAY_BASE_URL points at (reported by /health and /ready); default `hostaway` */
  upstream?: UpstreamKind
  /** where audit lines go instead of AUDIT_LOG (tests) */
  audit?: DestinationStream
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

const buildAjv = AjvCompiler()
type Validator = ReturnType<ReturnType<ValidatorFactory>>
const validators = new CompileCache<Validator>()

/**
 * Query strings, params and headers arrive as text, so their validator coerces types, after a check
 * that their integers are plain decimal digits (`0x10`, `1e3`, `Infinity` are 400) and, in a query
 * string, that a parameter taking one value is given once (`?limit=5&limit=6` is 400); JSON bodies
 * arrive typed, so theirs does not coerce (`"ids": "5"` or `[true]` is a 400, not silently `[5]` / `[1]`).
 * Each is compiled once per distinct schema in a process (lib/compile-cache.ts).
 */
const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const shared = (externalSchemas ?? {}) as Record<string, unknown>
  let coercing: ReturnType<ValidatorFactory> | undefined
  let strict: ReturnType<ValidatorFactory> | undefined
  const compile: ReturnType<ValidatorFactory> = (route) => {
    if (route.httpPart === 'body') {
      strict ??= buildAjv(externalSchemas, { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as Parameters<ValidatorFactory>[1])
      return strict(route)
    }
    coercing ??= buildAjv(externalSchemas, options)
    const validate = coercing(route)
    if (route.httpPart !== 'params' && route.httpPart !== 'querystring') return validate
    const integers = strictIntegers(integerFields(route.schema), validate as ValidateFunction)
    return (route.httpPart === 'querystring' ? singleValues(singleValuedFields(route.schema), integers) : integers) as typeof validate
  }
  return (route) => validators.get(route.schema, shared, [route.httpPart, options], () => compile(route))
}

const buildFastSerializer = SerializerSelector()
type SerializerFactory = ReturnType<typeof SerializerSelector>
type Serializer = ReturnType<ReturnType<SerializerFactory>>
const serializers = new CompileCache<Serializer>()

/**
 * Response serializers (fast-json-stringify), compiled once per distinct schema in a process
 * (lib/compile-cache.ts): most routes answer the same ErrorResponse for several statuses too.
 * Each schema is compiled as `forSerializer` writes it: nullable fields as type arrays, so that no
 * response runs a validator to choose a union's branch (lib/serializer-schema.ts).
 */
const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const sharedSchemas = (externalSchemas ?? {}) as Record<string, unknown>
  // given only the shared schemas it refers to: fast-json-stringify checks every schema it is given, on each compile
  return (route) => serializers.get(route.schema, sharedSchemas, options, (used) =>
    buildFastSerializer(sharedForSerializer(sharedSchemas, Object.keys(used)), options)({ ...route, schema: forSerializer(route.schema, sharedSchemas) }))
}

/** Connections whose next request Node's parser refused: the parser stays refused, and reports again on more data. */
const refused = new WeakSet<Socket>()

/**
 * A request Node's HTTP parser refused (malformed, headers too large, too slow) gets the
 * ErrorResponse body too, with a fresh request id, and its connection is closed; nothing is
 * written to a socket already gone. The requests received in full before it on the connection
 * (pipelined) are answered first, in full: the malformed one must not cut them short (a write
 * would end `outcome_unknown`). Then its 400 is written, then the connection closes.
 */
function clientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || refused.has(socket)) return
  refused.add(socket)
  const { status, message } = clientErrorStatus(err.code)
  const requestId = randomUUID()
  this.log.debug({ err, code: err.code, status, request_id: requestId }, 'client error')
  afterReceived(socket, () => {
    if (socket.destroyed) return
    if (socket.writable) socket.write(rawErrorResponse(requestId, { status, message, errorType: errorTypeForStatus(status) }))
    socket.destroy(err)
  })
}

/** Errors Fastify raises before routing (bad percent-encoding, a path parameter over 100 characters), in the error schema. */
function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = mapError(error)
  request.log.info({ err: error, status: mapped.status }, 'request rejected before routing')
  return reply.code(mapped.status).header('x-request-id', request.id).send(errorBody(request, mapped))
}

/** Most time a request may take to arrive in full, headers and body (ms); HEADERS_TIMEOUT_MS is at most this. */
const REQUEST_RECEIVE_TIMEOUT_MS = 120_000

/**
 * How long one plugin may take to start (ms). Starting the app is mostly CPU: importing its
 * modules and compiling every route's validators and serializers, ~1.5 s for the first app of a
 * process on an idle 2-core machine; a loaded machine stretches that several times over, and
 * Fastify's default bound (10 s) then failed a healthy start with "Plugin did not start in time".
 * A minute still names a plugin that truly never finishes starting.
 */
const START_TIMEOUT_MS = 60_000
/** Above the drain's own bound, so that it is the drain that ends, not avvio's timer. */
const CLOSE_HOOK_MARGIN_MS = 5000

/**
 * avvio's `pluginTimeout`: one bound for each plugin's start and for each `preClose` hook. The drain
 * on close (plugins/app/lifecycle.ts) is such a hook and lasts up to SHUTDOWN_GRACE_MS + a settle
 * time, so the bound follows the grace: under the default 10 s a grace above ~8 s ended in
 * AVV_ERR_READY_TIMEOUT, with no response for the requests in flight and exit code 1.
 */
export function pluginTimeoutMs (config: Pick<Config, 'SHUTDOWN_GRACE_MS'>): number {
  return Math.max(START_TIMEOUT_MS, drainBoundMs(config) + CLOSE_HOOK_MARGIN_MS)
}

/**
 * Fastify server options shared by `server.ts` and the tests: logger with redaction, request ids
 * (an incoming `X-Request-Id` is honoured when it is a short, safe token), body limit, the
 * timeouts that close idle connections, and an Ajv that rejects unknown fields instead of
 * silently dropping them.
 */
export function serverOptions (config: Config, overrides: { logger?: FastifyServerOptions['logger'], loggerInstance?: FastifyServerOptions['loggerInstance'] } = {}): FastifyHttpOptions<Server> {
  return {
    ...(overrides.loggerInstance === undefined ? { logger: overrides.logger ?? loggerOptions(config) } : { loggerInstance: overrides.loggerInstance }),
    genReqId (req: RawRequestDefaultExpression) {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    http: {
      // an HTTP/1.1 request without Host reaches the app, which answers it in the error schema (plugins/app/protocol.ts)
      requireHostHeader: false,
      // a connection that sends no complete headers in time (nothing at all, or a trickle) gets 408 and is closed;
      // Node looks for them every checkIntervalMs (its default, 30 s, would keep them half a minute longer)
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
      connectionsCheckingInterval: checkIntervalMs(config.HEADERS_TIMEOUT_MS)
    },
    clientErrorHandler,
    frameworkErrors,
    // no inactivity timeout while a request is in flight: a batch may work for its whole deadline without
    // writing; a connection without a request is closed by the headers and keep-alive timeouts
    connectionTimeout: 0,
    requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // closing drains first (plugins/app/lifecycle.ts answers 503 in the error schema meanwhile);
    // whatever connection is left after that is closed
    forceCloseConnections: true,
    return503OnClosing: false,
    pluginTimeout: pluginTimeoutMs(config),
    schemaController: { compilersFactory: { buildValidator, buildSerializer } },
    ajv: {
      customOptions: {
        removeAdditional: false,
        // OpenAPI annotation keywords used in our schemas; Ajv's strict mode would reject them otherwise
        keywords: ['example'],
        coerceTypes: 'array',
        // NaN and Infinity are not numbers (JSON's 1e309 parses as Infinity)
        strictNumbers: true,
        useDefaults: true,
        allErrors: false
      }
    }
  }
}

/**
 * The application, as a plugin: external plugins, then app plugins, then routes.
 * Load order is visible here; each folder is autoloaded.
 */
const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, opts) => {
  const dirname = import.meta.dirname
  await fastify.register(AutoLoad, { dir: join(dirname, 'plugins', 'external'), options: opts })
  await fastify.register(AutoLoad, { dir: join(dirname, 'plugins', 'app'), options: opts })
  await fastify.register(AutoLoad, {
    dir: join(dirname, 'routes'),
    autoHooks: true,
    cascadeHooks: true,
    options: opts
  })
}

export default app
