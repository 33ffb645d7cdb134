import { test } from 'tap'
import fc from 'fast-check'
import { succeeded } from '../../../schemas/common.js'
import type { OperationResult, PartialFailureResponse } from '../../../schemas/batch.js'
import { toPartialFailureResponse } from '../../../services/batch/results.js'
import { REMEDIATION } from '../../../services/errors.js'
import { fieldsNote, fitBatch, fitList, project, selectFields } from '../../../services/mcp/results.js'

test('selectFields and project: the compact set by default, the key always, "*" for every field', async (t) => {
  t.same(selectFields('booking', undefined, false), ['id', 'listingMapId', 'guestName', 'arrivalDate', 'departureDate', 'status', 'totalPrice', 'currency'])
  t.equal(selectFields('listing', undefined, true), undefined, 'a single record: every field')
  t.equal(selectFields('listing', ['name', '*'], false), undefined)
  t.same(selectFields('day', ['price', 'date', 'price'], false), ['date', 'price'], 'the key first, each once')
  const record = { id: 3, name: 'Loft', city: null, secret: 'x' }
  t.same(project(record, ['id', 'city', 'missing']), { id: 3, city: null }, 'a field the record lacks is left out; null is kept')
  t.equal(project(record, undefined), record)
  const hostile = JSON.parse('{"id":1,"__proto__":{"polluted":true}}') as object
  const projected = project(hostile, ['id', '__proto__']) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(projected), Object.prototype, 'an own __proto__ key never becomes a prototype')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.same(fieldsNote('message', undefined, false), ['Fields: id, isIncoming, body, insertedOn (the default; fields: ["*"] for every field).'])
  t.same(fieldsNote('message', ['body'], false), [], 'no note when fields were asked for')
})

const item = fc.record({ id: fc.nat(), text: fc.string({ maxLength: 80 }) })

test('fitList: the JSON fits when anything can; the kept items are the first (or last) ones; truncated adds up', async (t) => {
  fc.assert(fc.property(fc.array(item, { maxLength: 60 }), fc.integer({ min: 80, max: 4000 }), fc.constantFrom<'first' | 'last'>('first', 'last'), (items, max, keep) => {
    const page = { items, count: items.length + 5, offset: 10 }
    const { result, json, notes } = fitList(page, max, 'items', (omitted, kept) => ({ fields: { next_offset: 10 + kept.length }, hint: `${omitted.length} more` }), keep)
    const out = result as typeof page & { truncated?: { shown: number, omitted: number, next_offset: number, max_chars: number } }
    t.equal(json, JSON.stringify(result))
    if (out.truncated === undefined) {
      t.ok(JSON.stringify(page).length <= max || items.length === 0)
      t.same(out, page)
      t.same(notes, [])
      return
    }
    const { shown, omitted } = out.truncated
    t.equal(shown + omitted, items.length)
    t.ok(omitted >= 1)
    t.same(out.items, keep === 'first' ? items.slice(0, shown) : items.slice(items.length - shown))
    t.ok(json.length <= max || shown === 0, `${json.length} <= ${max}`)
    // as many as fit: one more would not (with the truncated it would then carry)
    if (omitted > 1) {
      const more = keep === 'first' ? items.slice(0, shown + 1) : items.slice(items.length - shown - 1)
      const next = { ...out.truncated, shown: shown + 1, omitted: omitted - 1, next_offset: 10 + shown + 1 }
      t.ok(JSON.stringify({ ...out, items: more, truncated: next }).length > max, 'no room for one more')
    }
    t.match(notes[0], new RegExp(`^Cut at ${max} characters \\(MCP_RESULT_MAX_CHARS\\): ${shown} of ${items.length} items shown\\. ${omitted} more$`))
  }), { numRuns: 300 })
})

const success = (i: number, size: number) => succeeded({ id: i, name: 'n'.repeat(size) }, i, String(i), 1)
const failure = (i: number): OperationResult<unknown> => ({
  success: false, data: null, error: 'GET /listings → HTTP 404', operation_id: String(i), index: i, error_type: 'not_found', status_code: 404, retryable: false, retry_after_ms: null, remediation: REMEDIATION.not_found, attempts: 1
})

test('fitBatch: every item stays, in order; only the data of the last successes is left out, and named', async (t) => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 300 })), { maxLength: 40 }), fc.integer({ min: 200, max: 8000 }), (shape, max) => {
    const batch = toPartialFailureResponse(shape.map(([ok, size], i) => ok ? success(i, size) : failure(i))) as PartialFailureResponse<unknown>
    const { result, json, notes } = fitBatch(batch, max, (ids) => `again: ${ids.join(' ')}`)
    const out = result as PartialFailureResponse<unknown> & { truncated?: { shown: number, omitted: number, data_omitted: string[] } }
    t.equal(json, JSON.stringify(result))
    t.same(out.failed, batch.failed, 'failures untouched')
    t.same(out.successful.map((s) => s.operation_id), batch.successful.map((s) => s.operation_id), 'every success, in order')
    t.same(out.successful.map(({ data: _d, ...rest }) => rest), batch.successful.map(({ data: _d, ...rest }) => rest), 'their envelope untouched')
    if (out.truncated === undefined) {
      t.ok(JSON.stringify(batch).length <= max || batch.success_count === 0)
      return
    }
    const { shown, omitted, data_omitted: ids } = out.truncated
    t.equal(shown + omitted, batch.success_count)
    t.ok(omitted >= 1)
    t.same(ids, batch.successful.slice(shown).map((s) => s.operation_id), 'the last successes, named')
    t.same(out.successful.slice(shown).map((s) => s.data), ids.map(() => null))
    t.same(out.successful.slice(0, shown), batch.successful.slice(0, shown), 'the first keep their data')
    t.ok(json.length <= max || omitted === batch.success_count, `${json.length} <= ${max}`)
    t.match(notes[0], /^Cut at \d+ characters \(MCP_RESULT_MAX_CHARS\): the data of \d+ of \d+ successes was left out \(data null: [\d, ]+\)\. again: [\d ]+$/)
  }), { numRuns: 300 })
})
