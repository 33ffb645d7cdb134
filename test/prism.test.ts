import { test } from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { ownChild } from './fixtures/children.js'
import { startServer } from './reliability/child.js'
import { endpoints, exampleRequests, hostileRequest } from './contract-corpus.js'
import type { Document } from './openapi-check.js'

/**
 * Stoplight Prism, an independent validating proxy, between the contract corpus and a gateway
 * started as an operator starts it (server.ts, embedded sandbox): `prism proxy --errors` checks
 * every answer against the document the gateway serves, and reports any mismatch (an undocumented
 * status, a body or header its schema refuses) in an `sl-violations` header, as a 500 of its own
 * with `--errors`. The corpus is what test/contract.test.ts sends — the document's example
 * requests and requests generated from the document, hostile ones included — plus MCP and
 * webhook requests. Prism's request validation is off (`--validate-request=false`): the corpus
 * sends requests outside the document on purpose, and it is the gateway's answer to them that
 * must be documented. (Prism still refuses a request with no credentials at all on its own: those
 * are counted apart; the gateway's 401 is checked through the requests with a wrong key.)
 */

const KEY = 'prism-key'
const READER = 'prism-reader'
const WEBHOOK = { user: 'hostaway', password: 'prism-hook-secret' }
const ENV = {
  API_KEYS: `${KEY}, ${READER}:read`,
  HOSTAWAY_WEBHOOK_USER: WEBHOOK.user,
  HOSTAWAY_WEBHOOK_PASSWORD: WEBHOOK.password,
  // small rate windows, so the corpus is not slowed to Hostaway's 15 requests per 10 s
  SANDBOX_RATE_WINDOW_MS: '100',
  HOSTAWAY_RATE_WINDOW_MS: '100',
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: '20'
}
const GENERATED = 150

const PRISM_CLI = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js')

/** `prism proxy --errors` of `document` in front of `upstream`, on an ephemeral loopback port; killed with the test. */
async function startPrism (t: Test, document: string, upstream: string): Promise<string> {
  const child = ownChild(t, spawn(process.execPath, [PRISM_CLI, 'proxy', '--errors', '--validate-request=false', '-h', '127.0.0.1', '-p', '0', document, upstream], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe']
  }))
  let output = ''
  return await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /Prism is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m !== null) resolve(m[1])
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`prism exited with ${code}: ${output.slice(-2000)}`)))
  })
}

interface Sent { method: string, url: string, headers: Record<string, string>, body?: string | Buffer }

/** An app.inject request of the corpus as a fetch through Prism: the same method, path, query, headers and body bytes (no content type added). */
function asFetch (request: InjectOptions): Sent {
  const query = new URLSearchParams(request.query as Record<string, string> | undefined).toString()
  const url = String(request.url) + (query === '' ? '' : `${String(request.url).includes('?') ? '&' : '?'}${query}`)
  const headers = { ...(request.headers as Record<string, string> | undefined) }
  const payload = request.payload
  if (payload === undefined) return { method: String(request.method), url, headers }
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
  if (typeof payload !== 'string' && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  return { method: String(request.method), url, headers, body: Buffer.from(text) }
}

/** The MCP and webhook requests: JSON-RPC answered as JSON or as server-sent events, and the webhook's Basic credentials. */
function otherProtocols (): Sent[] {
  const mcp = (body: unknown, accept = 'application/json, text/event-stream'): Sent => ({
    method: 'POST', url: '/mcp', headers: { 'x-api-key': KEY, 'content-type': 'application/json', accept }, body: JSON.stringify(body)
  })
  const basic = `Basic ${Buffer.from(`${WEBHOOK.user}:${WEBHOOK.password}`).toString('base64')}`
  const hook = (body: string, authorization?: string): Sent => ({
    method: 'POST', url: '/webhooks/hostaway', headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) }, body
  })
  return [
    mcp({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'prism-test', version: '1' } } }),
    mcp({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    mcp({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_listing', arguments: { listing_id: 1 } } }),
    mcp({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'batch_get_listings', arguments: { ids: [1, 2, 999999] } } }),
    mcp({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    mcp({ not: 'json-rpc' }),
    mcp({ jsonrpc: '2.0', id: 5, method: 'tools/list' }, 'text/html'),
    { ...mcp({ jsonrpc: '2.0', id: 6, method: 'tools/list' }), headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
    { method: 'POST', url: '/mcp', headers: { 'x-api-key': KEY, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{' },
    { method: 'OPTIONS', url: '/mcp', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' } },
    { method: 'OPTIONS', url: '/mcp', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } },
    hook(JSON.stringify({ object: 'reservation', event: 'reservation.updated', accountId: 10000, data: { id: 1, listingMapId: 1 } }), basic),
    hook(JSON.stringify({ event: 'listing.updated', data: 'test' }), basic),
    hook(JSON.stringify({ event: 'reservation.updated' })),
    hook('{', basic)
  ]
}

test('Prism (proxy --errors) finds no violation in the gateway\'s answers to the contract corpus', async (t) => {
  const gateway = startServer(t, ENV)
  const base = await gateway.url
  const doc = await (await fetch(`${base}/openapi.json`)).json() as Document
  const dir = t.testdir()
  const documentPath = join(dir, 'openapi.json')
  writeFileSync(documentPath, JSON.stringify(doc))
  // the same document with one deliberate error (a listing's id said to be text): Prism must see it
  const broken = structuredClone(doc) as Document & { components: { schemas: { Listing: { properties: { id: { type: string } } } } } }
  broken.components.schemas.Listing.properties.id.type = 'string'
  writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken))
  const [prism, brokenPrism] = await Promise.all([startPrism(t, documentPath, base), startPrism(t, join(dir, 'broken.json'), base)])

  async function send (target: string, { method, url, headers, body }: Sent) {
    const res = await fetch(`${target}${url}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await res.text()
    return { status: res.status, violations: res.headers.get('sl-violations'), text }
  }

  const selfCheck = await send(brokenPrism, { method: 'GET', url: '/api/listings/1', headers: { 'x-api-key': KEY } })
  t.match(selfCheck, { status: 500, violations: /Response body property id must be string/ }, 'the proxy reports a response that breaks the document')

  const all = endpoints(doc)
  const requests: Sent[] = all.flatMap((endpoint) => exampleRequests(endpoint, KEY).map(asFetch))
  const generated = fc.sample(fc.constantFrom(...all).chain((endpoint) => hostileRequest(doc, endpoint, { key: KEY, reader: READER })), { numRuns: GENERATED, seed: 26 })
  requests.push(...generated.map((g) => asFetch(g.request)), ...otherProtocols())

  const violations: string[] = []
  const statuses = new Map<number, number>()
  let uncredentialed = 0
  for (const request of requests) {
    const res = await send(prism, request)
    // Prism checks the security requirement even with request validation off: a request with no
    // credentials at all is refused by Prism itself, never reaching the gateway (one with a wrong key does)
    const credentials = request.headers['x-api-key'] !== undefined || request.headers.authorization !== undefined
    if (!credentials && res.status === 401 && /stoplight\.io\/prism\/errors#UNAUTHORIZED/.test(res.text)) {
      uncredentialed++
      continue
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (res.violations !== null || /stoplight\.io\/prism\/errors/.test(res.text)) {
      violations.push(`${request.method} ${request.url} ${String(request.body ?? '').slice(0, 120)} → ${res.status} ${res.violations ?? res.text.slice(0, 300)}`)
    }
  }
  t.same(violations, [], `${requests.length - uncredentialed} requests through to the gateway, 0 violations (statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
    `${uncredentialed} without credentials refused by Prism itself)`)
  t.ok(uncredentialed < requests.length / 4, 'most requests reached the gateway')
  t.ok([...statuses.keys()].filter((s) => s >= 400).length >= 5, 'many kinds of refusal were checked, not only successes')
  t.ok(statuses.has(200) && statuses.has(404), 'successes and not-founds among them')
})
