import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import AutoLoad from '@fastify/autoload'
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler'
import { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions, type RawRequestDefaultExpression } from 'fastify'
import type { Config } from './schemas/config.js'
import { loggerOptions } from './services/logger.js'
import type { UpstreamKind } from './services/upstream.js'

export interface AppOptions {
  config: Config
  /** what HOSTAWAY_BASE_URL points at (reported by /health and /ready); default `hostaway` */
  upstream?: UpstreamKind
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

const buildAjv = AjvCompiler()

/**
 * Query strings, params and headers arrive as text, so their validator coerces types; JSON bodies
 * arrive typed, so theirs does not (`"ids": "5"` or `[true]` is a 400, not silently `[5]` / `[1]`).
 */
const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const coercing = buildAjv(externalSchemas, options)
  const strictOptions = { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } } as Parameters<ValidatorFactory>[1]
  const strict = buildAjv(externalSchemas, strictOptions)
  return (route) => route.httpPart === 'body' ? strict(route) : coercing(route)
}

/**
 * Fastify server options shared by `server.ts` and the tests: logger with redaction, request ids
 * (an incoming `X-Request-Id` is honoured when it is a short, safe token), body limit, and an Ajv
 * that rejects unknown fields instead of silently dropping them.
 */
export function serverOptions (config: Config, overrides: { logger?: FastifyServerOptions['logger'], loggerInstance?: FastifyServerOptions['loggerInstance'] } = {}): FastifyServerOptions {
  return {
    ...(overrides.loggerInstance === undefined ? { logger: overrides.logger ?? loggerOptions(config) } : { loggerInstance: overrides.loggerInstance }),
    genReqId (req: RawRequestDefaultExpression) {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    connectionTimeout: 0,
    requestTimeout: 120_000,
    keepAliveTimeout: 72_000,
    // closing drains first (plugins/app/lifecycle.ts answers 503 in the error schema meanwhile);
    // whatever connection is left after that is closed
    forceCloseConnections: true,
    return503OnClosing: false,
    schemaController: { compilersFactory: { buildValidator } },
    ajv: {
      customOptions: {
        removeAdditional: false,
        // OpenAPI annotation keywords used in our schemas; Ajv's strict mode would reject them otherwise
        keywords: ['example'],
        coerceTypes: 'array',
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
