import { test } from 'tap'
import { BLOCKING_STATUSES, conversationIdOffset, generateData } from '../../sandbox/data.js'
import { BASE_DATE, admin, api, getToken, start, type Envelope, type Obj } from './fixtures/helper.js'

const many = { rateLimitIp: 10_000, rateLimitAccount: 10_000 }

async function snapshot (seed: number) {
  const sb = await start({ teardown: () => {} }, { ...many, seed })
  try {
    const c = api(sb, await getToken(sb))
    const listings = (await c.get<Envelope<Obj[]>>('/listings')).body.result
    const reservations = (await c.get<Envelope<Obj[]>>('/reservations?limit=10000')).body.result
    const messages = (await c.get<Envelope<Obj[]>>('/conversations/1001/messages')).body.result
    return JSON.stringify({ listings, reservations, messages })
  } finally {
    await sb.close()
  }
}

test('determinism: same seed and baseDate → identical data over HTTP; another seed → different', async (t) => {
  const [a, b, c] = await Promise.all([snapshot(42), snapshot(42), snapshot(43)])
  t.equal(a, b)
  t.not(a, c)
  const json = (seed: number, baseDate: string) => JSON.stringify([...generateData(seed, baseDate, '10000').reservations.values()])
  t.equal(json(42, '2026-04-01'), json(42, '2026-04-01'))
  t.not(json(42, '2026-04-01'), json(42, BASE_DATE), 'dates follow baseDate')
})

test('determinism: generated data invariants', async (t) => {
  for (const [seed, listingCount] of [[0, 40], [1, 40], [42, 40], [2024, 40], [4_294_967_295, 40], [42, 1], [7, 200]]) {
    const data = generateData(seed, BASE_DATE, '10000', listingCount)
    t.same([...data.listings.keys()], Array.from({ length: listingCount }, (_, i) => i + 1), `seed ${seed}: listing ids 1..${listingCount}`)
    const reservations = [...data.reservations.values()]
    t.ok(reservations.length >= 5 * listingCount && reservations.length <= 8 * listingCount, `seed ${seed}: ${reservations.length} reservations`)
    t.same(reservations.map((r) => r.id), Array.from({ length: reservations.length }, (_, i) => i + 1))
    const start = new Date(Date.parse(BASE_DATE) - 31 * 86_400_000).toISOString().slice(0, 10)
    const end = new Date(Date.parse(BASE_DATE) + 366 * 86_400_000).toISOString().slice(0, 10)
    t.ok(reservations.every((r) => r.arrivalDate >= start && r.departureDate <= end), 'within the next 12 months (and the last month)')
    t.ok(reservations.every((r) => data.listings.has(r.listingMapId)))
    t.ok(reservations.every((r) => r.nights >= 1 && r.departureDate > r.arrivalDate))
    const statuses = new Set(reservations.map((r) => r.status))
    if (listingCount > 1) t.ok(statuses.has('new') && statuses.has('modified') && statuses.has('cancelled'))
    const blocking = reservations.filter((r) => BLOCKING_STATUSES.has(r.status))
    const overlaps = blocking.filter((a) => blocking.some((b) => a.id < b.id && a.listingMapId === b.listingMapId && a.arrivalDate < b.departureDate && b.arrivalDate < a.departureDate))
    t.equal(overlaps.length, 0, 'no double bookings')
    if (seed === 42 && listingCount === 40) {
      t.same(reservations.filter((r) => r.status === 'ownerStay').map((r) => r.id), [2, 48, 103, 129], 'the reservations without a conversation that tests name')
    }
    const ownerStays = reservations.filter((r) => r.status === 'ownerStay')
    t.equal(data.conversations.size, reservations.length - ownerStays.length, 'one conversation per reservation, except owner stays')
    const offset = conversationIdOffset(reservations.length)
    t.ok(offset > reservations.length, `conversation ids (from ${offset + 1}) never coincide with reservation ids`)
    for (const r of ownerStays) {
      if (data.conversations.has(r.id + offset) || data.messages.has(r.id + offset) || r.hostProxyEmail !== null) {
        t.fail(`owner stay ${r.id} has a conversation`)
        break
      }
    }
    for (const r of reservations.filter((r) => r.status !== 'ownerStay')) {
      const conversation = data.conversations.get(r.id + offset)
      const messages = data.messages.get(r.id + offset) ?? []
      if (conversation?.reservationId !== r.id || messages.length < 1 || messages.length > 5) {
        t.fail(`conversation of reservation ${r.id}`)
        break
      }
      const times = messages.map((m) => m.insertedOn)
      if (times.join() !== [...times].sort().join()) t.fail(`messages of ${r.id} out of order`)
    }
  }
})

test('determinism: reset { data: true } regenerates; a plain reset keeps data', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const original = (await c.get<Envelope<Obj>>('/listings/1')).body.result
  await c.put('/listings/1', { name: 'Changed' })
  await admin(sb, 'POST', '/reset', {})
  t.equal((await c.get<Envelope<Obj>>('/listings/1')).body.result.name, 'Changed')
  t.equal((await admin(sb, 'POST', '/reset', { data: true })).status, 200)
  t.same((await c.get<Envelope<Obj>>('/listings/1')).body.result, original)
  await c.put('/listings/1', { name: 'Changed again' })
  await sb.reset({ data: true })
  t.same((await c.get<Envelope<Obj>>('/listings/1')).body.result, original)
})
