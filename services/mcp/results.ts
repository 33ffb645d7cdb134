import type { Static } from '@sinclair/typebox'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { COMPACT_FIELDS, KEY_FIELD, type AnyTruncationSchema, type RecordKind } from '../../schemas/mcp.js'

/**
 * Tool results sized for an agent's context (docs: README, "MCP endpoint"): each record projected on
 * the fields asked for (`fields`; by default the compact set of its kind where a tool returns many),
 * and a result whose JSON is longer than MCP_RESULT_MAX_CHARS cut to the records that fit, with a
 * `truncated` object and a line of the summary saying what was left out and how to get it. A batch
 * keeps every item (the contract: each id exactly once); only the data of its last successes is
 * left out. A single record is never cut.
 */

export type Truncation = Static<typeof AnyTruncationSchema>

/** A result ready to send: the value (`structuredContent`), its JSON (the text block), and the summary lines about its size. */
export interface Shaped {
  result: Record<string, unknown>
  json: string
  notes: string[]
}

/** The fields to keep of each record (the key first), or undefined for every field. */
export function selectFields (kind: RecordKind, fields: readonly string[] | undefined, defaultAll: boolean): readonly string[] | undefined {
  const asked = fields ?? (defaultAll ? ['*'] : COMPACT_FIELDS[kind])
  if (asked.includes('*')) return undefined
  const key = KEY_FIELD[kind]
  return [key, ...new Set(asked.filter((f) => f !== key))]
}

/** The record with only the fields of `keep` that it has (all of them when `keep` is undefined). */
export function project (record: unknown, keep: readonly string[] | undefined): unknown {
  if (keep === undefined || record === null || typeof record !== 'object') return record
  const out: Record<string, unknown> = {}
  // `__proto__` would set the copy's prototype, not a field (FIELD_NAME refuses it too)
  for (const field of keep) if (field !== '__proto__' && Object.hasOwn(record, field)) out[field] = (record as Record<string, unknown>)[field]
  return out
}

/** The summary line of a default projection: which fields, and how to get every one. */
export function fieldsNote (kind: RecordKind, fields: readonly string[] | undefined, defaultAll: boolean): string[] {
  return fields === undefined && !defaultAll ? [`Fields: ${COMPACT_FIELDS[kind].join(', ')} (the default; fields: ["*"] for every field).`] : []
}

const capNote = (maxChars: number) => `Cut at ${maxChars} characters (MCP_RESULT_MAX_CHARS)`

/** What a cut list says about the records left out: `truncated` fields and the way to get them. */
export interface ListRest {
  fields: Pick<Truncation, 'next_offset' | 'next_start_date'>
  hint: string
}

/**
 * A list result (`items`) whose JSON fits `maxChars`: the first items that fit (or the last, for a
 * conversation whose newest messages matter most), with `truncated`; unchanged when it fits whole.
 */
export function fitList<R extends { items: readonly unknown[] }> (
  result: R,
  maxChars: number,
  noun: string,
  rest: (omitted: readonly unknown[], kept: readonly unknown[]) => ListRest,
  keep: 'first' | 'last' = 'first'
): Shaped {
  const whole = JSON.stringify(result)
  const { items } = result
  if (whole.length <= maxChars || items.length === 0) return { result, json: whole, notes: [] }
  const split = (k: number) => keep === 'first' ? { kept: items.slice(0, k), omitted: items.slice(k) } : { kept: items.slice(items.length - k), omitted: items.slice(0, items.length - k) }
  const build = (k: number) => {
    const { kept, omitted } = split(k)
    const { fields, hint } = rest(omitted, kept)
    const truncated: Truncation = { max_chars: maxChars, shown: k, omitted: omitted.length, ...fields }
    return { value: { ...result, items: kept, truncated }, hint }
  }
  // the sizes add up (one comma between items); the numbers of `truncated` change the length by a few
  // characters, so the estimate is then checked, an item more or fewer at a time
  const sizes = items.map((item) => JSON.stringify(item).length)
  const order = keep === 'first' ? sizes : [...sizes].reverse()
  let k = 0
  let total = JSON.stringify(build(0).value).length
  while (k < items.length && total + order[k] + (k > 0 ? 1 : 0) <= maxChars) total += order[k] + (k++ > 0 ? 1 : 0)
  const fits = (n: number) => JSON.stringify(build(n).value).length <= maxChars
  while (k < items.length - 1 && fits(k + 1)) k++
  while (k > 0 && !fits(k)) k--
  const { value, hint } = build(k)
  return { result: value, json: JSON.stringify(value), notes: [`${capNote(maxChars)}: ${k} of ${items.length} ${noun} shown. ${hint}`] }
}

const idOf = (item: OperationResult<unknown>) => item.operation_id ?? `#${item.index}`

/**
 * A batch result whose JSON fits `maxChars`: every item stays (each id exactly once), and the data of
 * the last successes is left out (null) until the rest fits; `truncated.data_omitted` names them.
 * Failures are never cut: a batch of long failures may stay above the bound.
 */
export function fitBatch (result: PartialFailureResponse<unknown>, maxChars: number, hint: (ids: string[]) => string): Shaped {
  const whole = JSON.stringify(result)
  const withData = result.successful.flatMap((item, i) => item.data === null ? [] : [i])
  if (whole.length <= maxChars || withData.length === 0) return { result, json: whole, notes: [] }
  const build = (m: number) => {
    const dropped = new Set(withData.slice(withData.length - m))
    const successful = result.successful.map((item, i) => dropped.has(i) ? { ...item, data: null } : item)
    const ids = [...dropped].map((i) => idOf(result.successful[i]))
    const truncated: Truncation = { max_chars: maxChars, shown: withData.length - m, omitted: m, data_omitted: ids }
    return { value: { ...result, successful, truncated }, ids }
  }
  // leave out the data of as many successes (from the last) as the excess needs, then check
  let excess = whole.length - maxChars + JSON.stringify(build(0).value.truncated).length + ',"truncated":'.length
  let m = 0
  while (m < withData.length && (excess > 0 || m === 0)) {
    const i = withData[withData.length - 1 - m]
    // its data becomes null, its id joins data_omitted
    excess -= JSON.stringify(result.successful[i].data).length - 'null'.length - idOf(result.successful[i]).length - 3
    m++
  }
  for (; ; m++) {
    const { value, ids } = build(m)
    const json = JSON.stringify(value)
    if (json.length <= maxChars || m >= withData.length) {
      return { result: value, json, notes: [`${capNote(maxChars)}: the data of ${m} of ${withData.length} successes was left out (data null: ${ids.join(', ')}). ${hint(ids)}`] }
    }
  }
}
