import { test } from 'tap'
import { BASE_DATE, api, getToken, start, type Envelope, type Obj } from './fixtures/helper.js'

// Over real HTTP: what a list-page scan (the gateway's batch planner) relies on.

const many = { rateLimitIp: 100_000, rateLimitAccount: 100_000 }
type Listing = Obj & { id: number, name: string, city: string }
type Reservation = Obj & { id: number, listingMapId: number, arrivalDate: string, departureDate: string, status: string, updatedOn: string, insertedOn: string }

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/

test('listings: limit/offset pages and count with 150 listings', async (t) => {
  const sb = await start(t, { ...many, listingCount: 150 })
  const c = api(sb, await getToken(sb))
  const seen: number[] = []
  for (let offset = 0; offset < 200; offset += 40) {
    const r = await c.get<Envelope<Listing[]>>(`/listings?limit=40&offset=${offset}`)
    t.equal(r.status, 200)
    t.match(r.body, { count: 150, limit: 40, offset, page: offset / 40 + 1, totalPages: 4 }, `offset ${offset}`)
    t.equal(r.body.result.length, Math.max(0, Math.min(40, 150 - offset)), `offset ${offset}: page size`)
    seen.push(...r.body.result.map((l) => l.id))
  }
  t.same(seen, Array.from({ length: 150 }, (_, i) => i + 1), 'ids 1..150, each once, in order')
  t.equal((await c.get('/listings/150')).status, 200)
  t.equal((await c.get('/listings/151')).status, 404)

  const city = (await c.get<Envelope<Listing>>('/listings/150')).body.result.city
  const inCity = await c.get<Envelope<Listing[]>>(`/listings?city=${encodeURIComponent(city)}&limit=2`)
  const allInCity = (await c.get<Envelope<Listing[]>>(`/listings?city=${encodeURIComponent(city)}`)).body.result
  t.ok(allInCity.length > 2 && allInCity.every((l) => l.city === city))
  t.match(inCity.body, { count: allInCity.length, limit: 2 }, 'count is every match, not the page')
  t.equal(inCity.body.result.length, 2)
})

test('listingCount: listings 1-40 are the default ones; reservations grow with the count', async (t) => {
  const [small, big] = await Promise.all([start(t, many), start(t, { ...many, listingCount: 150 })])
  const [cs, cb] = [api(small, await getToken(small)), api(big, await getToken(big))]
  const l1 = (await cs.get<Envelope<Listing>>('/listings/1')).body.result
  t.equal(l1.name, 'Cozy villa with balcony in Campo de’ Fiori', 'the listing the README names (seed 42)')
  t.same((await cb.get<Envelope<Listing[]>>('/listings?limit=40')).body.result, (await cs.get<Envelope<Listing[]>>('/listings')).body.result)
  const countOf = async (c: typeof cs) => (await c.get<Envelope<Reservation[]>>('/reservations?limit=1')).body.count
  const [n40, n150] = [await countOf(cs), await countOf(cb)]
  t.ok(n40 >= 5 * 40 && n40 <= 8 * 40, `${n40} reservations for 40 listings`)
  t.ok(n150 >= 5 * 150 && n150 <= 8 * 150, `${n150} reservations for 150 listings`)
  const stays = async (c: typeof cs) => (await c.get<Envelope<Reservation[]>>('/reservations?listingId=7&limit=100&sortOrder=arrivalDate')).body.result.map((r) => `${r.arrivalDate}/${r.departureDate}`)
  t.same(await stays(cb), await stays(cs), 'the stay dates of listing 7 do not depend on the count')
  t.ok((await cb.get<Envelope<Reservation[]>>('/reservations?listingId=150')).body.count >= 5)
})

/** Every reservation, one page with a large limit. */
async function everything (c: ReturnType<typeof api>, query = ''): Promise<Reservation[]> {
  const r = await c.get<Envelope<Reservation[]>>(`/reservations?limit=100000${query}`)
  if (r.status !== 200 || r.body.result.length !== r.body.count) throw new Error('could not list everything')
  return r.body.result
}

const isDefaultOrder = (a: Reservation, b: Reservation) => a.updatedOn > b.updatedOn || (a.updatedOn === b.updatedOn && a.id > b.id)

test('reservations: default order updatedOn DESC, id DESC, with seeded distinct updatedOn', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const all = await everything(c)
  t.ok(all.length >= 200)
  t.ok(all.every((r) => DATETIME.test(r.updatedOn) && DATETIME.test(r.insertedOn)), 'updatedOn and insertedOn are YYYY-MM-DD HH:MM:SS')
  t.ok(new Set(all.map((r) => r.updatedOn)).size > all.length / 2, 'updatedOn values differ')
  t.ok(all.every((r) => r.updatedOn >= r.insertedOn && r.updatedOn < BASE_DATE), 'seeded changes: after insertion, before baseDate')
  const wrong = all.slice(1).map((r, i) => [all[i], r] as const).filter(([a, b]) => !isDefaultOrder(a, b)).map(([a, b]) => `${a.id}@${a.updatedOn} before ${b.id}@${b.updatedOn}`)
  t.same(wrong, [], 'every neighbour pair is in order')
  t.not(all[0].id, Math.max(...all.map((r) => r.id)), 'not simply by id')

  const asc = await everything(c, '&sortOrder=updatedOn')
  t.same(asc.map((r) => r.id), all.map((r) => r.id).reverse(), 'sortOrder=updatedOn: oldest change first')
  const byArrival = await everything(c, '&sortOrder=arrivalDate')
  t.ok(byArrival.every((r, i) => i === 0 || byArrival[i - 1].arrivalDate <= r.arrivalDate), 'sortOrder=arrivalDate')
  t.equal((await c.get('/reservations?sortOrder=price')).status, 400, 'unknown sortOrder')
  t.match((await c.get<Envelope<Reservation[]>>('/reservations')).body, { limit: 100, offset: 0, page: 1 }, 'default limit 100')
  t.equal((await c.get<Envelope<Reservation[]>>('/reservations')).body.result.length, 100)
})

test('reservations: PUT sets updatedOn to now, keeps insertedOn, moves the reservation to the top', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const all = await everything(c)
  const oldest = all[all.length - 1]
  const before = Date.now() - 1000
  const put = await c.put<Envelope<Reservation>>(`/reservations/${oldest.id}`, { guestNote: 'moved', insertedOn: '2000-01-01 00:00:00', updatedOn: '1999-01-01 00:00:00' })
  t.equal(put.status, 200)
  const updatedMs = Date.parse(`${put.body.result.updatedOn.replace(' ', 'T')}Z`)
  t.ok(updatedMs >= before && updatedMs <= Date.now(), `updatedOn ${put.body.result.updatedOn} is now`)
  t.match(put.body.result, { insertedOn: oldest.insertedOn, latestActivityOn: put.body.result.updatedOn, guestNote: 'moved' }, 'insertedOn kept (not writable)')
  t.match((await c.get<Envelope<Reservation>>(`/reservations/${oldest.id}`)).body.result, { updatedOn: put.body.result.updatedOn })
  const top = await c.get<Envelope<Reservation[]>>('/reservations?limit=3')
  t.same(top.body.result.map((r) => r.id), [oldest.id, all[0].id, all[1].id], 'the changed one first, the rest shifted')
  t.equal((await everything(c, '&sortOrder=updatedOn')).at(-1)?.id, oldest.id, 'and last when oldest first')

  // Changes within the same second tie on updatedOn: the higher id comes first.
  const burst = [all[5].id, all[6].id, all[7].id]
  await Promise.all(burst.map((id) => c.put(`/reservations/${id}`, { comment: 'burst' })))
  const after = await everything(c)
  t.same(after.slice(0, 4).map((r) => r.id).sort((a, b) => a - b), [...burst, oldest.id].sort((a, b) => a - b), 'the four changed ones on top')
  t.ok(after.every((r, i) => i === 0 || isDefaultOrder(after[i - 1], r)), 'still updatedOn DESC, id DESC')
})

/** Walk a list with the afterId cursor until an empty page. */
async function walk (c: ReturnType<typeof api>, query: string, limit: number) {
  const ids: number[] = []
  const pages: Array<Envelope<Reservation[]>> = []
  let afterId: number | undefined
  for (let i = 0; i < 1000; i++) {
    const r = await c.get<Envelope<Reservation[]>>(`/reservations?limit=${limit}${query}${afterId === undefined ? '' : `&afterId=${afterId}`}`)
    if (r.status !== 200) throw new Error(`page ${i}: ${r.status} ${JSON.stringify(r.body)}`)
    pages.push(r.body)
    if (r.body.result.length === 0) break
    ids.push(...r.body.result.map((x) => x.id))
    afterId = r.body.result[r.body.result.length - 1].id
  }
  return { ids, pages }
}

test('reservations: afterId pages walk the whole list exactly once', async (t) => {
  const sb = await start(t, { ...many, listingCount: 60 })
  const c = api(sb, await getToken(sb))

  for (const query of ['', '&sortOrder=arrivalDate', '&sortOrder=updatedOn', '&status=new', '&listingId=3', '&arrivalStartDate=2026-04-01&arrivalEndDate=2026-06-30']) {
    const all = await everything(c, query)
    const { ids, pages } = await walk(c, query, 7)
    t.ok(all.length > 0, `${query}: ${all.length} matching`)
    t.same(ids, all.map((r) => r.id), `${query}: the same ids in the same order, none twice, none missing`)
    t.equal(new Set(ids).size, ids.length, `${query}: no duplicates`)
    t.same(pages.map((p) => p.result.length), [...Array(Math.floor(all.length / 7)).fill(7), ...(all.length % 7 === 0 ? [] : [all.length % 7]), 0], `${query}: full pages, a short one, then empty`)
    t.ok(pages.every((p) => p.count === all.length && p.limit === 7), `${query}: count is every match on every page`)
    const cursorPages = pages.slice(1, -1)
    t.same(cursorPages.map((p) => [p.offset, p.page]), cursorPages.map((_, i) => [null, i + 2]), `${query}: offset null (ignored), page counts on`)
  }

  const all = await everything(c)
  const cursor = all[20].id
  const plain = await c.get<Envelope<Reservation[]>>(`/reservations?afterId=${cursor}&limit=5`)
  t.same(plain.body.result.map((r) => r.id), all.slice(21, 26).map((r) => r.id))
  const withOffset = await c.get<Envelope<Reservation[]>>(`/reservations?afterId=${cursor}&limit=5&offset=50`)
  t.same(withOffset.body.result, plain.body.result, 'offset is ignored with afterId')
  const byOffset = await c.get<Envelope<Reservation[]>>('/reservations?limit=5&offset=21')
  t.same(byOffset.body.result.map((r) => r.id), all.slice(21, 26).map((r) => r.id), 'the deprecated offset pages the same order')
  t.match(byOffset.body, { offset: 21, page: 5 })

  // The cursor need not match the filters: the page starts after its place in the order.
  const firstNew = all.findIndex((r) => r.status === 'new')
  const cancelledAfter = all.slice(firstNew + 1).filter((r) => r.status === 'cancelled').slice(0, 3)
  const filtered = await c.get<Envelope<Reservation[]>>(`/reservations?status=cancelled&limit=3&afterId=${all[firstNew].id}`)
  t.same(filtered.body.result.map((r) => r.id), cancelledAfter.map((r) => r.id))

  const last = all[all.length - 1].id
  t.same((await c.get<Envelope<Reservation[]>>(`/reservations?afterId=${last}`)).body.result, [], 'after the last one: empty')
  for (const q of ['afterId=0', 'afterId=999999', 'afterId=abc']) {
    const r = await c.get<Envelope<unknown>>(`/reservations?${q}`)
    t.equal(r.status, 400, q)
    t.match(r.body, { status: 'fail', message: /afterId/ }, q)
  }
})

const RESOURCES = ['customFieldValues', 'reservationFees', 'reservationUnit', 'hostProxyEmail']
const POLICY = ['cancellationPolicyDetails', 'bookingCancellationPolicy', 'vrboCancellationPolicy', 'marriottCancellationPolicy']
const omit = (o: Obj, fields: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !fields.includes(k)))

test('reservations: list objects lack resources and cancellation policy unless both include flags are given', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const full = await everything(c, '&includeResources=1&includeCancellationPolicy=1')
  const rich = full.find((r) => (r.customFieldValues as unknown[]).length > 0 && (r.reservationFees as unknown[]).length > 0 && r.cancellationPolicyDetails !== null && r.channelName === 'bookingcom')
  if (rich === undefined) throw new Error('no reservation with seeded resources and a cancellation policy')

  const byId = (await c.get<Envelope<Reservation>>(`/reservations/${rich.id}`)).body.result
  t.match(byId, {
    customFieldValues: [{ customFieldId: Number, value: String }],
    reservationFees: [{ name: 'cleaningFee', value: Number }],
    reservationUnit: [],
    hostProxyEmail: /^c-[0-9a-f]{32}@host\.hostaway\.info$/,
    cancellationPolicy: String,
    cancellationPolicyId: Number,
    cancellationPolicyDetails: { name: String, channelId: 2005, cancellationPolicyItem: [{ refundType: 'percentage', event: 'arrival' }] },
    bookingCancellationPolicy: String,
    vrboCancellationPolicy: null,
    marriottCancellationPolicy: null
  }, 'the by-id object is full')
  const conversation = (await c.get<Envelope<Obj[]>>(`/conversations?reservationId=${rich.id}`)).body.result[0]
  t.equal(byId.hostProxyEmail, conversation.hostEmail, 'hostProxyEmail is the conversation host address')

  const inList = async (flags: string) => (await everything(c, flags)).find((r) => r.id === rich.id) as Reservation
  t.same(await inList('&includeResources=1&includeCancellationPolicy=1'), byId, 'both flags: the by-id object')

  const bare = await inList('')
  t.match(bare, { customFieldValues: [], reservationFees: [], reservationUnit: [], hostProxyEmail: null }, 'no flags: resources empty')
  t.same(POLICY.filter((f) => f in bare), [], 'no flags: no cancellation policy fields')
  t.same(omit(bare, [...RESOURCES, ...POLICY]), omit(byId, [...RESOURCES, ...POLICY]), 'everything else as by id (cancellationPolicy, cancellationPolicyId included)')

  const resources = await inList('&includeResources=1')
  t.same(resources, omit(byId, POLICY), 'includeResources only: resources, no policy')
  const policy = await inList('&includeCancellationPolicy=1')
  t.same(policy, { ...byId, customFieldValues: [], reservationFees: [], reservationUnit: [], hostProxyEmail: null }, 'includeCancellationPolicy only: policy, no resources')

  const put = await c.put<Envelope<Reservation>>(`/reservations/${rich.id}`, { guestNote: 'x' })
  t.same(omit(put.body.result, ['guestNote', 'updatedOn', 'latestActivityOn']), omit(byId, ['guestNote', 'updatedOn', 'latestActivityOn']), 'PUT answers the full object')
  t.same((await c.get<Envelope<Reservation>>(`/reservations/${rich.id}`)).body.result.customFieldValues, byId.customFieldValues, 'listing without flags changed nothing')
})
