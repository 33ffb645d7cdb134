import type { AddressInfo } from 'node:net'
import { FOREIGN_HOST_RESPONSE } from '../schemas/common.js'

/**
 * How the OpenAPI document is made to match the server exactly (plugins/external/swagger.ts wires
 * these into @fastify/swagger): security from the configuration, defaulted parameters optional,
 * the X-Request-Id header on every response, `servers` from PUBLIC_BASE_URL or the listen address.
 */

const API_KEY_SCHEME = 'ApiKeyAuth'
/** /mcp also takes the key as `Authorization: Bearer <key>` (MCP clients send that header). */
const BEARER_SCHEME = 'BearerAuth'

/** What the scopes allow, as the document and README state it. */
const SCOPE_TEXT = {
  read: 'every GET under /api and the batch lookups (POST /api/batch/*)',
  write: 'PATCH /api/listings/batch',
  secrets: 'the listing and reservation fields that grant access to a property (door codes, key pickup, Wi-Fi credentials), which are left out of every response otherwise',
  metrics: 'GET /metrics (Prometheus): a scraper needs no access to data'
} as const

/** The security schemes of the document when API_KEYS is set. */
export function securitySchemes () {
  return {
    [API_KEY_SCHEME]: {
      type: 'apiKey' as const,
      in: 'header' as const,
      name: 'X-API-Key',
      description: 'One of the keys of API_KEYS. An entry `key:scope+scope` grants only those scopes, a bare `key` all of them: ' +
        Object.entries(SCOPE_TEXT).map(([scope, what]) => `\`${scope}\` — ${what}`).join('; ') + '.'
    },
    [BEARER_SCHEME]: {
      type: 'http' as const,
      scheme: 'bearer',
      description: 'One of the keys of API_KEYS as a bearer token (/mcp, where each tool needs its scope, README "MCP endpoint"; /metrics, with the `metrics` scope)'
    }
  }
}

/** The parts of a route schema the document shapes (Fastify's FastifySchema, seen loosely). */
interface RouteSchema {
  description?: string
  body?: unknown
  querystring?: unknown
  response?: unknown
}

/** A copy of an object schema whose properties with a `default` are no longer required (the server fills them in). */
function defaultsOptional (schema: unknown): unknown {
  const object = schema as { properties?: Record<string, { default?: unknown }>, required?: string[] } | undefined
  if (object?.properties === undefined || object.required === undefined) return schema
  const { properties } = object
  return { ...object, required: object.required.filter((name) => properties[name]?.default === undefined) }
}

/** The request id header, sent with every response (plugins/app/request-id.ts, and the raw error answers). */
const REQUEST_ID_HEADER = {
  description: 'The request id: a safe incoming X-Request-Id ([\\w.:-]{1,128}), else a generated UUID; also in every error body',
  required: true,
  schema: { type: 'string' }
}

interface Media { example?: unknown, examples?: Record<string, { value: unknown }> }
interface OperationObject {
  requestBody?: { content?: Record<string, Media> }
  responses?: Record<string, { headers?: Record<string, unknown>, content?: Record<string, Media> }>
}
type Paths = Record<string, Record<string, OperationObject | undefined> | undefined>

/** The examples of a schema (`examples` next to a `$ref`, see Documented in schemas/common.ts). */
function examplesOf (schema: unknown): unknown[] | undefined {
  const examples = (schema as { examples?: unknown } | undefined)?.examples
  return Array.isArray(examples) && examples.length > 0 ? examples : undefined
}

/** An OpenAPI media object's example(s). */
function withExamples (media: Media, examples: unknown[]): void {
  if (examples.length === 1) media.example = examples[0]
  else media.examples = Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }]))
}

/**
 * Shapes the document @fastify/swagger builds from the route schemas so that it matches the
 * server: `route` is its per-route `transform`, `finish` its `transformObject`. @fastify/swagger
 * drops what sits next to a `$ref`, so the examples declared there are kept aside by `route` and
 * put on the media objects by `finish`.
 */
export function createDocumenter ({ apiOpen }: { apiOpen: boolean }) {
  const examples = new Map<string, { body?: unknown[], responses: Map<string, unknown[]> }>()

  return {
    /**
     * One route. Every route: query parameters with a default are optional. An /api route, when API
     * keys are configured: its security names the scope it needs (OpenAPI 3.1 allows role names for
     * apiKey schemes) and its description says so; when the API is open: no security, no 401, and
     * a 403 that is the Host and Origin rule's.
     */
    route<S extends RouteSchema> (schema: S, url: string, methods: string[], scope: string): S {
      const path = url.replace(/:(\w+)/g, '{$1}')
      const responses = new Map(Object.entries((schema.response ?? {}) as Record<string, unknown>)
        .flatMap(([status, response]) => examplesOf(response) === undefined ? [] : [[status, examplesOf(response) as unknown[]]]))
      for (const method of methods) examples.set(`${method.toLowerCase()} ${path}`, { body: examplesOf(schema.body), responses })

      const out: S = { ...schema }
      if (schema.querystring !== undefined) out.querystring = defaultsOptional(schema.querystring)
      const mcp = url === '/mcp'
      const metrics = url === '/metrics'
      if (!mcp && !metrics && !(url === '/api' || url.startsWith('/api/'))) return out
      if (apiOpen) {
        if (schema.response !== undefined) {
          // no key to miss; a 403 is the Host and Origin rule's (DNS rebinding), not a scope's
          const { 401: _unauthorized, 403: forbidden, ...response } = schema.response as Record<string, unknown>
          out.response = forbidden === undefined ? response : { ...response, 403: FOREIGN_HOST_RESPONSE }
        }
        return out
      }
      if (mcp) return { ...out, security: [{ [API_KEY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }] }
      const needs = `Needs an X-API-Key${metrics ? ' (or Authorization: Bearer)' : ''} with the \`${scope}\` scope.`
      const security = metrics ? [{ [API_KEY_SCHEME]: [scope] }, { [BEARER_SCHEME]: [scope] }] : [{ [API_KEY_SCHEME]: [scope] }]
      return { ...out, security, description: schema.description === undefined ? needs : `${schema.description}\n\n${needs}` }
    },

    /** The finished document: the examples, X-Request-Id on every response of every operation, and its servers. */
    finish<D extends { paths?: unknown }> (doc: D, servers: Array<{ url: string, description: string }>): D {
      for (const [path, item] of Object.entries((doc.paths ?? {}) as Paths)) {
        for (const [method, operation] of Object.entries(item ?? {})) {
          const declared = examples.get(`${method} ${path}`)
          const body = operation?.requestBody?.content?.['application/json']
          if (body !== undefined && declared?.body !== undefined) withExamples(body, declared.body)
          for (const [status, response] of Object.entries(operation?.responses ?? {})) {
            response.headers = { 'X-Request-Id': REQUEST_ID_HEADER, ...response.headers }
            const media = response.content?.['application/json']
            const given = declared?.responses.get(status)
            if (media !== undefined && given !== undefined) withExamples(media, given)
          }
        }
      }
      return { ...doc, servers }
    }
  }
}

/**
 * The server of the document: PUBLIC_BASE_URL when set (e.g. behind a proxy), else the address
 * the gateway listens on (a wildcard address is shown as localhost), else the configured one.
 */
export function serverOf (publicBaseUrl: string | undefined, listening: AddressInfo | string | null, configured: { host: string, port: number }) {
  if (publicBaseUrl !== undefined) return { url: publicBaseUrl.replace(/\/+$/, ''), description: 'PUBLIC_BASE_URL' }
  const { host, port } = listening !== null && typeof listening === 'object' ? { host: listening.address, port: listening.port } : configured
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return { url: `http://${shown}:${port}`, description: 'the listen address (set PUBLIC_BASE_URL to publish another)' }
}
