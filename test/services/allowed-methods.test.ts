import { test } from 'tap'
import Fastify from 'fastify'
import { allowedMethods } from '../../services/allowed-methods.js'

test('allowedMethods: the methods of every route that matches the path, as the router matches it, minus the refused ones', async (t) => {
  const app = Fastify()
  const ok = async () => 'ok'
  app.get('/api/listings/:listingId', ok)
  app.patch('/api/listings/batch', ok)
  app.get('/docs/*', ok)
  app.get('/id/:id(^\\d+$)', ok)
  app.route({ method: ['GET', 'POST', 'DELETE'], url: '/mcp', handler: ok })
  await app.ready()
  t.teardown(() => app.close())
  t.same(allowedMethods(app, '/api/listings/batch'), ['GET', 'HEAD', 'PATCH'], 'a static route and a parametric one of other methods')
  t.same(allowedMethods(app, '/api/listings/3'), ['GET', 'HEAD'])
  t.same(allowedMethods(app, '/api/listings/3/calendar'), [])
  t.same(allowedMethods(app, '/docs/static/a.js'), ['GET', 'HEAD'], 'a wildcard')
  t.same(allowedMethods(app, '/id/12'), ['GET', 'HEAD'], 'a regex constraint that holds')
  t.same(allowedMethods(app, '/id/x'), [], 'and one that does not')
  t.same(allowedMethods(app, '/mcp', new Map([['/mcp', new Set(['GET', 'DELETE'])]])), ['HEAD', 'POST'], 'refused methods left out')
})
