import { STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FOREIGN_HOST_RESPONSE } from '../schemas/common.js'
import { WEBHOOK_PATH, errorExampleOf, isApi, type Components, type Media, type Paths } from './openapi-examples.js'

/**
 * How the OpenAPI document is made to match the server exactly (plugins/external/swagger.ts wires
 * these into @fastify/swagger): security from the configuration, defaulted parameters optional,
 * the X-Request-Id header on every response, `servers` from PUBLIC_BASE_URL or the listen address.
 */

const API_KEY_SCHEME = 'ApiKeyAuth'
/** Every keyed route also takes the key as `Authorization: Bearer <key>` (MCP clients and Prometheus send that header). */
const BEARER_SCHEME = 'BearerAuth'
/** POST /webhooks/hostaway: the login and password registered in Hostaway. */
const BASIC_SCHEME = 'WebhookBasicAuth'

/** What the scopes allow, as the document and README state it. */
const SCOPE_TEXT = {
  read: 'every GET under /api and the batch lookups (POST /api/batch/listings, /api/batch/bookings)',
  write: 'the batch updates: PATCH /api/listings/batch, /api/calendar/batch, /api/bookings/batch',
  messages: 'sending messages to guests: POST /api/batch/messages (apart from write, so a read+write integration cannot message guests unless granted)',
  secrets: 'the listing and reservation fields that grant access to a property (door codes, key pickup, Wi-Fi credentials), which are left out of every response otherwise',
  metrics: 'GET /metrics (Prometheus): a scraper needs no access to data'
} as const

/** The webhook receiver's scheme, documented whether API_KEYS is set or not. */
const WEBHOOK_SCHEME = {
  type: 'http' as const,
  scheme: 'basic',
  description: 'POST /webhooks/hostaway only: HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD, the login and password registered in Hostaway (401 with WWW-Authenticate: Basic otherwise)'
}

/**
 * The security schemes of the document: the API key (as X-API-Key or a bearer token) when
 * API_KEYS is set, the webhook's Basic credentials always.
 */
type SecurityScheme = { type: 'http', scheme: string, description: string } | { type: 'apiKey', in: 'header', name: string, description: string }
export function securitySchemes ({ apiOpen }: { apiOpen: boolean }): Record<string, SecurityScheme> {
  if (apiOpen) return { [BASIC_SCHEME]: WEBHOOK_SCHEME }
  return {
    [BASIC_SCHEME]: WEBHOOK_SCHEME,
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
      description: 'One of the keys of API_KEYS as a bearer token, the same as X-API-Key on every keyed route (the scope an operation needs is its x-required-scope)'
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

/** The examples of a schema (`examples` next to a `$ref`, see Documented in schemas/common.ts). */
function examplesOf (schema: unknown): unknown[] | undefined {
  const examples = (schema as { examples?: unknown } | undefined)?.examples
  return Array.isArray(examples) && examples.length > 0 ? examples : undefined
}

/** An OpenAPI media object's example(s). */
function withExamples (media: Media, examples: unknown[]): void {
  delete media.example
  delete media.examples
  if (examples.length === 1) media.example = examples[0]
  else media.examples = Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }]))
}

/** The routes a key protects when API_KEYS is set (and the Host and Origin rule when it is not). */
const isKeyed = (path: string) => isApi(path) || path === '/mcp' || path === '/metrics'

const EXAMPLE_REQUEST_ID = '5b0c3c0e-6f1a-4d0e-9a51-2b7a1f7e3c11'

/** The 417 every operation with a body may answer: an Expect other than 100-continue (plugins/app/protocol.ts). */
const EXPECTATION_FAILED = {
  description: 'An Expect header other than 100-continue',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } }
}

/** What a 400 of an operation that answers JSON-RPC means, besides the gateway's own. */
const JSON_RPC_400 = 'A body that is not JSON (ErrorResponse), or JSON that is not a JSON-RPC message (a JSON-RPC error, code -32600)'

/**
 * Shapes the document @fastify/swagger builds from the route schemas so that it matches the
 * server: `route` is its per-route `transform`, `finish` its `transformObject`. @fastify/swagger
 * drops what sits next to a `$ref`, so the examples declared there are kept aside by `route` and
 * put on the media objects by `finish`, which also generates each operation's error examples.
 */
export function createDocumenter ({ apiOpen }: { apiOpen: boolean }) {
  const examples = new Map<string, { body?: unknown[], responses: Map<string, unknown[]>, scope: string }>()

  return {
    /**
     * One route. Every route: query parameters with a default are optional. A keyed route (/api,
     * /mcp, /metrics), when API keys are configured: its description names the scope it needs; when
     * the API is open: no 401, and a 403 that is the Host and Origin rule's.
     */
    route<S extends RouteSchema> (schema: S, url: string, methods: string[], scope: string): S {
      const path = url.replace(/:(\w+)/g, '{$1}')
      const responses = new Map(Object.entries((schema.response ?? {}) as Record<string, unknown>)
        .flatMap(([status, response]) => examplesOf(response) === undefined ? [] : [[status, examplesOf(response) as unknown[]]]))
      for (const method of methods) examples.set(`${method.toLowerCase()} ${path}`, { body: examplesOf(schema.body), responses, scope })

      const out: S = { ...schema }
      if (schema.querystring !== undefined) out.querystring = defaultsOptional(schema.querystring)
      if (!isKeyed(url)) return out
      if (apiOpen) {
        if (schema.response !== undefined) {
          // no key to miss; a 403 is the Host and Origin rule's (DNS rebinding), not a scope's
          const { 401: _unauthorized, 403: forbidden, ...response } = schema.response as Record<string, unknown>
          out.response = forbidden === undefined ? response : { ...response, 403: FOREIGN_HOST_RESPONSE }
        }
        return out
      }
      if (url === '/mcp') return out
      const needs = `Needs an API key (X-API-Key or Authorization: Bearer) with the \`${scope}\` scope.`
      return { ...out, description: schema.description === undefined ? needs : `${schema.description}\n\n${needs}` }
    },

    /**
     * The finished document: security on every operation (the linters' rule: an open operation says
     * `security: []`), the examples, the error examples generated per operation, 417 where a body
     * is sent, X-Request-Id on every response of every operation, and its servers.
     */
    finish<D extends { paths?: unknown, components?: unknown }> (doc: D, servers: Array<{ url: string, description: string }>): D {
      const components = (doc.components ?? {}) as Components
      for (const [path, item] of Object.entries((doc.paths ?? {}) as Paths)) {
        for (const [method, operation] of Object.entries(item ?? {})) {
          if (operation === undefined) continue
          const declared = examples.get(`${method} ${path}`)
          if (path === WEBHOOK_PATH) operation.security = [{ [BASIC_SCHEME]: [] }]
          else if (apiOpen || !isKeyed(path)) operation.security = []
          else {
            operation.security = [{ [API_KEY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }]
            // the scope as an extension: OpenAPI scopes belong to OAuth2 schemes (linters refuse them elsewhere)
            if (path !== '/mcp') operation['x-required-scope'] = declared?.scope ?? 'read'
          }
          const body = operation.requestBody?.content?.['application/json']
          if (body !== undefined && declared?.body !== undefined) withExamples(body, declared.body)
          if (operation.requestBody !== undefined && operation.responses !== undefined) operation.responses['417'] ??= structuredClone(EXPECTATION_FAILED)
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            response.headers = { 'X-Request-Id': REQUEST_ID_HEADER, ...response.headers }
            if (path === WEBHOOK_PATH && status === '401') {
              response.headers['WWW-Authenticate'] = { description: 'Basic realm="hostaway-webhooks", charset="UTF-8"', required: true, schema: { type: 'string' } }
            }
            const media = response.content?.['application/json']
            const given = declared?.responses.get(status)
            if (media === undefined) continue
            if (path === '/mcp' && status === '400') response.description = JSON_RPC_400
            if (path === '/mcp' && status === '200') {
              // a call that sends progress (or any answer the transport streams) comes as server-sent events
              response.content = { ...response.content, 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events: `event: message` lines whose `data` is a JSON-RPC message (progress notifications, then the answer)' } } }
            }
            if (Number(status) >= 400 && (media.schema as { $ref?: string } | undefined)?.$ref === '#/components/schemas/ErrorResponse') {
              const generated = errorExampleOf(method, path, status, operation, components, apiOpen)
              if (generated !== undefined) {
                if (generated.description !== undefined) response.description = generated.description
                withExamples(media, [{ statusCode: Number(status), error: STATUS_CODES[status] ?? '', message: generated.message, error_type: generated.errorType, request_id: EXAMPLE_REQUEST_ID }])
                continue
              }
            }
            if (given !== undefined) withExamples(media, given)
          }
        }
      }
      const schemas = (doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas
      return { ...doc, ...(schemas === undefined ? {} : { components: { ...(doc.components as object), schemas: openPassThrough(schemas) } }), servers }
    }
  }
}

/**
 * A copy of the component schemas in which a pass-through object (typed fields, and others passed
 * on as Hostaway sends them: `additionalProperties: true`) leaves `additionalProperties` out. To
 * JSON Schema that is the same (other properties are allowed), but several generators
 * (openapi-typescript-codegen, for one) read `additionalProperties: true` — or `{}` — as "a
 * dictionary" and drop the typed fields: `Record<string, any>` instead of `Listing`. The route
 * schemas keep it, so that the serializer passes the other fields on; only the document changes
 * (copied, never the schemas Fastify serializes with). An object with no fields of its own stays a dictionary.
 */
export function openPassThrough<T> (node: T): T {
  if (Array.isArray(node)) return node.map(openPassThrough) as T
  if (node === null || typeof node !== 'object') return node
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) copy[key] = openPassThrough(value)
  const properties = copy.properties
  if (copy.additionalProperties === true && properties !== null && typeof properties === 'object' && Object.keys(properties).length > 0) delete copy.additionalProperties
  return copy as T
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
