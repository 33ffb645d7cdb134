import { test } from 'tap'
import { createDocumenter, serverOf } from '../../services/openapi.js'

test('serverOf: PUBLIC_BASE_URL first, else the listen address (a wildcard shown as localhost), else the configured one', async (t) => {
  const configured = { host: '127.0.0.1', port: 3000 }
  t.equal(serverOf('https://gw.example.com/', null, configured).url, 'https://gw.example.com')
  t.equal(serverOf(undefined, { address: '0.0.0.0', family: 'IPv4', port: 8080 }, configured).url, 'http://localhost:8080')
  t.equal(serverOf(undefined, { address: '::1', family: 'IPv6', port: 8080 }, configured).url, 'http://[::1]:8080')
  t.equal(serverOf(undefined, null, configured).url, 'http://127.0.0.1:3000')
})

test('a route: defaulted query parameters optional; 401, the scope\'s 403 and security only when keys are configured', async (t) => {
  const schema = {
    description: 'List things.',
    querystring: { type: 'object', properties: { limit: { type: 'integer', default: 20 }, city: { type: 'string' }, q: { type: 'string' } }, required: ['limit', 'q'] },
    response: { 200: {}, 401: {}, 403: {}, 404: {} }
  }
  const open = createDocumenter({ apiOpen: true }).route(schema, '/api/things', ['GET'], 'read')
  t.same((open.querystring as { required: string[] }).required, ['q'], 'limit has a default, so it is optional')
  t.same(Object.keys(open.response as object), ['200', '403', '404'])
  t.match((open.response as Record<string, { description?: string }>)['403'], { description: /Host or Origin is not one of the gateway's names/ }, 'an open API\'s 403 is the Host and Origin rule\'s')
  t.notOk('security' in open)
  t.equal(schema.querystring.required.length, 2, 'the route\'s own schema is not changed')

  const documenter = createDocumenter({ apiOpen: false })
  const keyed = documenter.route(schema, '/api/things', ['GET'], 'write')
  t.same(keyed.response, schema.response)
  t.match(keyed, { description: 'List things.\n\nNeeds an API key (X-API-Key or Authorization: Bearer) with the `write` scope.' })
  // security is the finished document's: either scheme, the scope as an extension (OpenAPI scopes belong to OAuth2)
  const finished = documenter.finish({ paths: { '/api/things': { get: { responses: {} } } } }, [])
  t.match(finished.paths['/api/things'].get, { security: [{ ApiKeyAuth: [] }, { BearerAuth: [] }], 'x-required-scope': 'write' })
  t.notOk('security' in createDocumenter({ apiOpen: false }).route(schema, '/health', ['GET'], 'read'), 'outside /api nothing is demanded')
})
