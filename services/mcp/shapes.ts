import type { PartialFailureResponse } from '../../schemas/batch.js'
import type { RecordKind } from '../../schemas/mcp.js'
import { fieldsNote, fitBatch, fitList, project, selectFields, type Shaped } from './results.js'
import { batchSummary, dryRunSummary } from './summaries.js'
import type { WriteOutcome } from './tool.js'

/**
 * How the tools size their answers (services/mcp/results.ts) with the longest JSON a result may have
 * (`maxChars`, MCP_RESULT_MAX_CHARS): records projected on `fields`, lists and batches cut with a
 * note that says how to get the rest.
 */
export function createShapes (maxChars: number) {
  /** A single record projected on `fields` (every field by default); never cut. */
  const record = (kind: RecordKind) => (value: object, { fields }: { fields?: string[] }): Shaped => {
    const result = project(value, selectFields(kind, fields, true)) as Record<string, unknown>
    return { result, json: JSON.stringify(result), notes: [] }
  }

  /** A page of records projected (the compact set by default) and cut at maxChars: the rest from the next offset. */
  const page = (kind: RecordKind, noun: string, name: string) =>
    (value: { items: readonly object[], offset: number }, { fields }: { fields?: string[] }): Shaped => {
      const keep = selectFields(kind, fields, false)
      const shaped = fitList({ ...value, items: value.items.map((item) => project(item, keep)) }, maxChars, noun, (omitted, kept) => ({
        fields: { next_offset: value.offset + kept.length },
        hint: `Call ${name} again with offset ${value.offset + kept.length} for the other ${omitted.length}, or ask for fewer fields.`
      }))
      return { ...shaped, notes: [...fieldsNote(kind, fields, false), ...shaped.notes] }
    }

  /** A list that is not paged (a calendar's days, a conversation) projected and cut by `rest`. */
  const list = <L extends { items: readonly object[] }>(kind: RecordKind, noun: string, rest: Parameters<typeof fitList>[3], keep: 'first' | 'last' = 'first') =>
    (value: L, { fields }: { fields?: string[] }): Shaped => {
      const projected = selectFields(kind, fields, false)
      const shaped = fitList({ ...value, items: value.items.map((item) => project(item, projected)) }, maxChars, noun, rest, keep)
      return { ...shaped, notes: [...fieldsNote(kind, fields, false), ...shaped.notes] }
    }

  /** A batch with each success's data projected (the compact set by default); past maxChars the data of the last successes is left out. */
  const batch = (kind: 'listing' | 'booking', lookup: string) =>
    (value: PartialFailureResponse<unknown>, { fields }: { fields?: string[] }): Shaped => {
      const keep = selectFields(kind, fields, false)
      const projected = { ...value, successful: value.successful.map((item) => item.data === null ? item : { ...item, data: project(item.data, keep) }) }
      const shaped = fitBatch(projected, maxChars, (ids) => `Look them up with ${lookup} (ids ${ids.join(', ')}) or ask for fewer fields.`)
      return { ...shaped, notes: [...fieldsNote(kind, fields, false), ...shaped.notes] }
    }

  /** A batch whose data is not projected (a calendar range or message written), cut at maxChars. */
  const plain = (lookup: string) => (body: PartialFailureResponse<unknown>): Shaped => fitBatch(body, maxChars, (ids) => `Look them up with ${lookup} (ids ${ids.join(', ')}).`)

  /** A write's answer, sized: a dry run as it is; a batch by `shapeBatch`. */
  const written = <T>(shapeBatch: (body: PartialFailureResponse<T>, args: { fields?: string[] }) => Shaped) => (outcome: WriteOutcome<T>, args: object): Shaped => {
    if ('dryRun' in outcome) return { result: outcome.dryRun as unknown as Record<string, unknown>, json: JSON.stringify(outcome.dryRun), notes: [] }
    return shapeBatch(outcome.body, args as { fields?: string[] })
  }

  return { record, page, list, batch, plain, written }
}

/** A write's summary: the dry run's plan, or the batch's outcome. */
export const writeSummary = <T>(wording: Parameters<typeof batchSummary>[1]) => (outcome: WriteOutcome<T>): string =>
  'dryRun' in outcome ? dryRunSummary(outcome.dryRun) : batchSummary(outcome.body, wording, outcome.replayed)
