// The scenario tests' own helpers; `serve`, `until` and `upstreamCount` are the shared ones, re-exported.
export { serve, type Served } from '../helper.js'
export { until, upstreamCount } from '../fixtures/harness.js'

export interface Item { index: number, operation_id: string, success: boolean, error_type: string | null, attempts: number, data: { id: number } | null, retry_after_ms: number | null, retryable: boolean }
export interface BatchBody { successful: Item[], failed: Item[], total_count: number, success_count: number, failure_count: number }

/** Every position of `ids` exactly once, each list in request order, each item about its own id. */
export function everyItemOnce (body: BatchBody, ids: number[]): string | undefined {
  const seen = [...body.successful, ...body.failed].map((i) => i.index).sort((a, b) => a - b)
  if (seen.length !== ids.length || seen.some((index, i) => index !== i)) return `indexes ${seen.join(',')} for ${ids.length} ids`
  for (const list of [body.successful, body.failed]) {
    if (list.some((item, i) => i > 0 && item.index <= list[i - 1].index)) return 'a list is out of request order'
  }
  for (const item of [...body.successful, ...body.failed]) {
    if (item.operation_id !== String(ids[item.index])) return `item ${item.index} is about ${item.operation_id}`
    if (item.success && item.data?.id !== ids[item.index]) return `item ${item.index} carries listing ${item.data?.id}`
  }
  if (body.total_count !== ids.length || body.success_count + body.failure_count !== ids.length) return 'counts do not add up'
  return undefined
}
