import { test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from '../../helper.js'

const HTML_502 = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>h1 { color: red }</style></head>' +
  `<body><h1>502 Bad Gateway</h1><p>The server encountered a temporary error.</p>${'<!-- padding -->'.repeat(500)}</body></html>`

/**
 * A Hostaway stand-in over real HTTP: tokens are issued, /listings/7 answers an HTML error page
 * (as a proxy in front of Hostaway would), /listings/8 a JSON 400, anything else a listing.
 */
async function edge (t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      if (req.url === '/v1/accessTokens') json(200, { token_type: 'Bearer', expires_in: 3600, access_token: 'edge-token' })
      else if (req.url === '/v1/listings/7') res.writeHead(502, { 'content-type': 'text/html' }).end(HTML_502)
      else if (req.url === '/v1/listings/8') json(400, { status: 'fail', message: 'Unknown parameter <b>includeResources</b>' })
      else json(200, { status: 'success', result: { id: Number(req.url?.split('/').pop()), name: 'Edge listing' } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
}

test('upstream text reaches callers summarized, and an upstream 4xx on a read is upstream_error, never the caller\'s fault', async (t) => {
  const { app } = await build(t, { HOSTAWAY_BASE_URL: await edge(t), HOSTAWAY_MAX_RETRIES: '1', HOSTAWAY_RETRY_BASE_MS: '1', CACHE_TTL_MS: '0' })

  const html = await app.inject('/api/listings/7')
  t.equal(html.statusCode, 502)
  t.match(html.json(), { error_type: 'upstream_error', message: 'GET /listings/7 → HTTP 502: 502 Bad Gateway (after 2 attempts)' })
  t.notMatch(html.body, /<|padding|color/, 'no markup, no page text beyond the title')

  const refused = await app.inject('/api/listings/8')
  t.equal(refused.statusCode, 502, 'not a 400: the caller\'s request was valid')
  t.match(refused.json(), { error_type: 'upstream_error', message: 'GET /listings/8 → HTTP 400: Unknown parameter includeResources' })
  t.equal(refused.headers['retry-after'], undefined, 'not retryable')

  const batch = (await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [7, 8, 9] } })).json()
  t.equal(batch.success_count, 1)
  t.same(batch.failed.map((f: { error: string, error_type: string, status_code: number }) => [f.error_type, f.status_code, f.error]), [
    ['upstream_error', 502, 'GET /listings/7 → HTTP 502: 502 Bad Gateway (after 2 attempts)'],
    ['upstream_error', 502, 'GET /listings/8 → HTTP 400: Unknown parameter includeResources']
  ])
})
