import { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import SwaggerParser from '@apidevtools/swagger-parser'
import openapiTS, { astToString } from 'openapi-typescript'
import { generate as codegen } from 'openapi-typescript-codegen'
import App, { serverOptions } from '../app.js'
import { loadConfig } from '../services/config.js'
import { build } from './helper.js'
import { ownChild } from './fixtures/children.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const generated = join(import.meta.dirname, 'fixtures', 'generated')

interface Operation { operationId?: string, security?: Array<Record<string, string[]>>, responses?: Record<string, unknown>, 'x-required-scope'?: string }
interface Doc {
  openapi: string
  info: { title: string, version: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>, securitySchemes: Record<string, unknown> }
}

/** The app with every route it registers collected, no upstream needed (nothing is called). */
async function appWithRoutes (env: Record<string, string> = {}) {
  const config = loadConfig({ LOG_LEVEL: 'silent', HOSTAWAY_ACCOUNT_ID: 'doc', HOSTAWAY_API_KEY: 'doc-secret', ...env })
  const app = Fastify(serverOptions(config, { logger: false }))
  const routes: Array<{ method: string, url: string }> = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url })
  })
  await app.register(fp(App), { config })
  await app.ready()
  return { app, routes }
}

/** Every `$ref` in the document. */
function refs (node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, out)
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value)
      else refs(value, out)
    }
  }
  return out
}

test('the OpenAPI document', async (t) => {
  const { app, routes } = await appWithRoutes()
  t.teardown(() => app.close())

  const res = await app.inject('/openapi.json')
  t.equal(res.statusCode, 200)
  const doc = res.json() as Doc

  t.test('is a valid OpenAPI 3 document', async (t) => {
    t.match(doc.openapi, /^3\./)
    t.match(doc.info, { title: 'hostaway-gateway', version: /^\d+\.\d+\.\d+/ })
    await t.resolves(SwaggerParser.validate(structuredClone(doc) as never))
  })

  t.test('documents every route with an operationId, unique', async (t) => {
    // GET and DELETE /mcp only ever answer 405 (a stateless endpoint): hidden, said in POST /mcp's description and info
    const hidden = (r: { method: string, url: string }) => r.url === '/mcp' && (r.method === 'GET' || r.method === 'DELETE')
    const documented = routes.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs') && r.url !== '/openapi.json' && !hidden(r))
    t.ok(documented.length >= 11, `${documented.length} routes`)
    const ids = new Set<string>()
    for (const { method, url } of documented) {
      const path = url.replace(/:(\w+)/g, '{$1}')
      const op = doc.paths[path]?.[method.toLowerCase()]
      t.ok(op, `${method} ${path} is documented`)
      t.match(op?.operationId, /^[a-z][A-Za-z]+$/, `${method} ${path} has a camelCase operationId`)
      t.notOk(ids.has(op?.operationId ?? ''), 'operationId is unique')
      ids.add(op?.operationId ?? '')
    }
    for (const id of ['listListings', 'getListing', 'getListingCalendar', 'searchBookings', 'getBooking', 'listBookingMessages']) {
      t.ok(ids.has(id), id)
    }
    t.notOk(doc.paths['/openapi.json'], '/openapi.json is hidden')
    t.notOk(Object.keys(doc.paths).some((p) => p.startsWith('/docs')), '/docs is hidden')
  })

  t.test('models are named components, referenced, never inlined as def-N', async (t) => {
    const names = Object.keys(doc.components.schemas)
    for (const name of [
      'Listing', 'Booking', 'CalendarDay', 'Message', 'ErrorResponse', 'ErrorType',
      'ListingPage', 'BookingPage', 'CalendarDays', 'MessageList',
      'PartialFailureResponse_Listing', 'PartialFailureResponse_Booking',
      'BatchLookupRequest', 'BatchListingUpdateRequest', 'Health', 'Ready'
    ]) t.ok(names.includes(name), `component ${name}`)
    t.match(JSON.stringify(doc.components.schemas.ErrorType), /"upstream_auth"/, 'ErrorType lists upstream_auth')
    t.same(names.filter((n) => /^def-/.test(n)), [], 'no def-N component')
    const all = refs(doc)
    t.same(all.filter((r) => !r.startsWith('#/components/schemas/')), [], 'every $ref is local to the components')
    for (const r of all) t.ok(names.includes(r.slice('#/components/schemas/'.length)), `${r} resolves`)

    const op = (path: string, method = 'get') => doc.paths[path][method]
    const ok = (path: string, method = 'get') => refs((op(path, method).responses as Record<string, unknown>)['200'])[0]
    t.equal(ok('/api/listings'), '#/components/schemas/ListingPage')
    t.equal(ok('/api/listings/{listingId}'), '#/components/schemas/Listing')
    t.equal(ok('/api/listings/{listingId}/calendar'), '#/components/schemas/CalendarDays')
    t.equal(ok('/api/bookings'), '#/components/schemas/BookingPage')
    t.equal(ok('/api/bookings/{bookingId}'), '#/components/schemas/Booking')
    t.equal(ok('/api/bookings/{bookingId}/messages'), '#/components/schemas/MessageList')
    t.equal(ok('/api/batch/listings', 'post'), '#/components/schemas/PartialFailureResponse_Listing')
    t.same(refs(doc.components.schemas.ListingPage), ['#/components/schemas/Listing'], 'ListingPage refers to Listing')
    for (const status of ['400', '404', '414', '500', '502', '503', '504']) {
      t.same(refs((op('/api/listings/{listingId}').responses as Record<string, unknown>)[status]), ['#/components/schemas/ErrorResponse'], `getListing ${status}`)
    }
  })

  t.test('without API_KEYS no operation demands a key or documents 401; a 403 is the Host and Origin rule\'s', async (t) => {
    t.same(Object.keys(doc.components.securitySchemes), ['WebhookBasicAuth'], 'only the webhook receiver\'s scheme')
    t.match(doc.components.securitySchemes.WebhookBasicAuth, { type: 'http', scheme: 'basic' })
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (path === '/webhooks/hostaway') t.same(op.security, [{ WebhookBasicAuth: [] }], 'the webhook takes Basic credentials')
        else t.same(op.security, [], `${method} ${path} is open, and says so`)
        // the webhook receiver has its own Basic auth (401)
        if (path !== '/webhooks/hostaway') t.notOk(op.responses?.['401'], `${method} ${path} never answers 401`)
        const forbidden = (op.responses?.['403'] as { description?: string } | undefined)?.description
        // the routes a key would protect refuse a foreign Host or Origin (DNS rebinding); the others never answer 403
        if (path === '/mcp' || path === '/metrics' || path.startsWith('/api/')) t.match(forbidden, /Host or Origin is not one of the gateway's names/, `${method} ${path}: 403 documented`)
        else t.equal(forbidden, undefined, `${method} ${path} never answers 403`)
      }
    }
  })

  t.test('Swagger UI is served at /docs', async (t) => {
    const ui = await app.inject('/docs/')
    t.equal(ui.statusCode, 200)
    t.match(ui.headers['content-type'], /text\/html/)
  })
})

test('with API_KEYS every /api operation demands a key with its scope, and documents 401 and 403', async (t) => {
  const { app } = await appWithRoutes({ API_KEYS: 'k1, k2:read' })
  t.teardown(() => app.close())
  const doc = (await app.inject('/openapi.json')).json() as Doc
  t.match(doc.components.securitySchemes.ApiKeyAuth, { type: 'apiKey', in: 'header', name: 'X-API-Key', description: /`read`.*`write`.*`secrets`/ })
  t.match(doc.components.securitySchemes.BearerAuth, { type: 'http', scheme: 'bearer' })
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'valid OpenAPI 3.1')
  const keyed = [{ ApiKeyAuth: [] }, { BearerAuth: [] }]
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (path === '/mcp') {
        t.same(op.security, keyed, `${method} /mcp takes the key as X-API-Key or a bearer token`)
        continue
      }
      if (path === '/webhooks/hostaway') {
        t.same(op.security, [{ WebhookBasicAuth: [] }], 'the webhook takes Basic credentials')
        continue
      }
      if (path === '/metrics') {
        t.same(op.security, keyed, 'get /metrics takes the key as X-API-Key or a bearer token')
        t.equal(op['x-required-scope'], 'metrics', 'get /metrics needs the metrics scope')
        t.ok(op.responses?.['401'] !== undefined && op.responses?.['403'] !== undefined, 'get /metrics documents 401 and 403')
        continue
      }
      if (!path.startsWith('/api/')) {
        t.same(op.security, [], `${method} ${path} is open, and says so`)
        continue
      }
      const scope = path === '/api/batch/messages' ? 'messages' : method === 'patch' ? 'write' : 'read'
      t.same(op.security, keyed, `${method} ${path} takes the key as X-API-Key or a bearer token`)
      t.equal(op['x-required-scope'], scope, `${method} ${path} needs ${scope}`)
      t.ok(op.responses?.['401'] !== undefined && op.responses?.['403'] !== undefined, `${method} ${path} documents 401 and 403`)
    }
  }
})

test('servers: PUBLIC_BASE_URL when set (it takes effect), else the address the gateway listens on', async (t) => {
  const published = await appWithRoutes({ PUBLIC_BASE_URL: 'https://api.example.com/gateway/' })
  t.teardown(() => published.app.close())
  t.same((await published.app.inject('/openapi.json')).json().servers, [{ url: 'https://api.example.com/gateway', description: 'PUBLIC_BASE_URL' }])

  const listening = await appWithRoutes()
  t.teardown(() => listening.app.close())
  const address = await listening.app.listen({ host: '127.0.0.1', port: 0 })
  const doc = await (await fetch(`${address}/openapi.json`)).json() as Doc & { servers: Array<{ url: string }> }
  t.equal(doc.servers[0].url, address, 'the listen address, port included')

  t.throws(() => loadConfig({ PUBLIC_BASE_URL: 'ftp://example.com' }), /^Invalid configuration: PUBLIC_BASE_URL /)
})

/** tsc with explicit options (not the project's tsconfig, which excludes test/fixtures); its exit code and output. */
async function typeCheck (t: { teardown: (fn: () => unknown) => void }, file: string, resolution: 'nodenext' | 'bundler') {
  const compiling = run(process.execPath, [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--pretty', 'false',
    '--strict', '--target', 'es2022', '--module', resolution === 'nodenext' ? 'nodenext' : 'esnext', '--moduleResolution', resolution,
    '--lib', 'es2023,dom', '--types', 'node', '--skipLibCheck',
    join(root, 'test', 'fixtures', file)
  ], { cwd: root })
  ownChild(t, compiling.child)
  return await compiling.then(() => ({ code: 0, out: '' }), (err: { code?: number, stdout?: string }) => ({ code: err.code ?? 1, out: err.stdout ?? '' }))
}

interface SdkClient {
  run: (baseUrl: string, apiKey: string) => Promise<{
    listing: { id: number, name: string }
    batch: { total_count: number, success_count: number, failed_ids: Array<string | null>, failed_types: Array<string | null> }
    missing: { status: number, error_type: string | undefined }
    job?: { status: string, total_count: number, success_count: number, result_total: number | undefined }
  }>
}

/**
 * Two generators: openapi-typescript (+ openapi-fetch) and openapi-typescript-codegen, which
 * types a pass-through object as `Record<string, any>` when it says `additionalProperties: true`
 * (sdk-codegen-client.ts proves the typed fields are kept).
 */
test('SDK round trip: generate types with two generators, type-check a client of each, run them against the app', async (t) => {
  const { app } = await build(t, { API_KEYS: 'sdk-key' })
  const doc = (await app.inject('/openapi.json')).json()

  await mkdir(generated, { recursive: true })
  await writeFile(join(generated, 'openapi.json'), JSON.stringify(doc, null, 2))
  const ast = await openapiTS(doc)
  await writeFile(join(generated, 'api.d.ts'), astToString(ast))
  // the output must be under the working directory: relative to the repository
  await codegen({ input: structuredClone(doc), output: join('test', 'fixtures', 'generated', 'codegen'), httpClient: 'fetch', useOptions: true })

  const [fetchClient, codegenClient] = await Promise.all([typeCheck(t, 'sdk-client.ts', 'nodenext'), typeCheck(t, 'sdk-codegen-client.ts', 'bundler')])
  t.equal(fetchClient.code, 0, `sdk-client.ts type-checks against the openapi-typescript SDK${fetchClient.out === '' ? '' : `:\n${fetchClient.out}`}`)
  t.equal(codegenClient.code, 0, `sdk-codegen-client.ts type-checks against the openapi-typescript-codegen SDK, typed fields kept${codegenClient.out === '' ? '' : `:\n${codegenClient.out}`}`)

  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  for (const file of ['sdk-client.ts', 'sdk-codegen-client.ts']) {
    const client = await import(new URL(`./fixtures/${file}`, import.meta.url).href) as SdkClient
    const result = await client.run(address, 'sdk-key')
    t.equal(result.listing.id, 1, `${file}: listing 1`)
    t.ok(result.listing.name.length > 0, `${file}: listing 1 has a name`)
    t.same(result.batch, { total_count: 4, success_count: 3, failed_ids: ['999999'], failed_types: ['not_found'] }, `${file}: the batch`)
    t.same(result.missing, { status: 404, error_type: 'not_found' }, `${file}: the 404`)
    if (file === 'sdk-client.ts') t.same(result.job, { status: 'completed', total_count: 3, success_count: 3, result_total: 3 }, 'the SDK creates a job (202) and polls it to its result')
  }
})
