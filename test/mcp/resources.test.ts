import { test } from 'tap'
import { ProtocolError } from '@modelcontextprotocol/client'
import { serve } from './helper.js'

const FULL = 'full-key-5d02aa'
const READER = 'reader-key-11c9e4'
const SCRAPER = 'scraper-key-0b7f31'
const KEYS = { API_KEYS: `${FULL}, ${READER}:read, ${SCRAPER}:metrics` }

for (const modern of [false, true]) {
  test(`resources (${modern ? '2026-07-28' : '2025'} client): listing and booking templates, read through the tools' cache`, async (t) => {
    const { connect, sandbox, app } = await serve(t)
    const client = await connect({ modern })
    const { resourceTemplates } = await client.listResourceTemplates()
    t.same(resourceTemplates.map((r) => [r.name, r.uriTemplate, r.mimeType]), [
      ['listing', 'hostaway://listings/{id}', 'application/json'],
      ['booking', 'hostaway://bookings/{id}', 'application/json']
    ])
    t.same((await client.listResources()).resources, [], 'nothing enumerated: the client reads the id it needs')

    const gets = async () => (await sandbox.stats()).requests.by_route['GET /v1/listings/:id'] ?? 0
    t.equal((await app.inject('/api/listings/3')).statusCode, 200)
    const before = await gets()
    const { contents } = await client.readResource({ uri: 'hostaway://listings/3' })
    t.equal(contents.length, 1)
    t.match(contents[0], { uri: 'hostaway://listings/3', mimeType: 'application/json' })
    const listing = JSON.parse((contents[0] as { text: string }).text) as Record<string, unknown>
    t.same(listing, (await app.inject('/api/listings/3')).json(), 'every field, as the REST route answers')
    t.equal(await gets(), before, 'from the cache the REST route filled: no upstream call')

    const booking = await client.readResource({ uri: 'hostaway://bookings/2' })
    t.match(JSON.parse((booking.contents[0] as { text: string }).text), { id: 2 })

    const missing = await client.readResource({ uri: 'hostaway://listings/999999' }).then(() => undefined, (e: unknown) => e)
    t.ok(missing instanceof ProtocolError, 'an unknown id is the protocol\'s resource-not-found error')
    t.match(missing, { message: /Resource not found: hostaway:\/\/listings\/999999/ })
    const bad = await client.readResource({ uri: 'hostaway://listings/0' }).then(() => undefined, (e: unknown) => e)
    t.match(bad, { code: -32602, message: /hostaway:\/\/listings\/0: the id must be a positive integer/ })
  })
}

test('resources follow the key\'s scopes: secret fields only with "secrets", nothing without "read"', async (t) => {
  const { connect } = await serve(t, KEYS)
  const full = await connect({ headers: { 'x-api-key': FULL } })
  const reader = await connect({ headers: { 'x-api-key': READER } })
  const read = async (client: typeof full) => JSON.parse(((await client.readResource({ uri: 'hostaway://listings/1' })).contents[0] as { text: string }).text) as Record<string, unknown>
  t.type((await read(full)).doorSecurityCode, 'string', 'a key with every scope sees the door code')
  t.notOk('doorSecurityCode' in await read(reader), 'a read-only key does not')
  t.notOk('wifiPassword' in await read(reader))

  const scraper = await connect({ headers: { 'x-api-key': SCRAPER } })
  const templates = await scraper.listResourceTemplates().then((r) => r.resourceTemplates, () => [])
  t.same(templates, [], 'a key without the read scope is offered no resource')
  await t.rejects(scraper.readResource({ uri: 'hostaway://listings/1' }), 'and cannot read one')
})
