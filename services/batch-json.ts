import type { OperationResult, PartialFailureResponse } from '../schemas/batch.js'

/**
 * The JSON of a PartialFailureResponse, fast: the envelope written field by field (the schema's
 * fields, in its order), each data object stringified once per object and reused. A cached
 * listing is the same object in every response that carries it, so a warm batch costs string
 * joins instead of serializing ~2.6 KB per listing again. Data objects must not be changed once
 * returned (the cache never changes them; a transformed copy, e.g. one without secret fields, is
 * another object: it is stringified on its own).
 */
const dataJson = new WeakMap<object, string>()

function data (value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value ?? null)
  let json = dataJson.get(value)
  if (json === undefined) {
    json = JSON.stringify(value)
    dataJson.set(value, json)
  }
  return json
}

const text = (value: string | null): string => value === null ? 'null' : JSON.stringify(value)
const int = (value: number | null): string => value === null ? 'null' : String(Math.trunc(value))

function item (r: OperationResult<unknown>): string {
  return `{"success":${r.success},"error":${text(r.error)},"operation_id":${text(r.operation_id)},"index":${int(r.index)},` +
    `"error_type":${text(r.error_type)},"status_code":${int(r.status_code)},"retryable":${r.retryable},` +
    `"retry_after_ms":${int(r.retry_after_ms)},"remediation":${text(r.remediation)},"attempts":${int(r.attempts)},"data":${data(r.data)}}`
}

function isResponse (payload: unknown): payload is PartialFailureResponse<unknown> {
  const p = payload as Partial<PartialFailureResponse<unknown>> | null
  return typeof p === 'object' && p !== null && Array.isArray(p.successful) && Array.isArray(p.failed)
}

/** A reply serializer for routes answering a PartialFailureResponse; anything else is plain JSON. */
export function serializePartialFailure (payload: unknown): string {
  if (!isResponse(payload)) return JSON.stringify(payload)
  return `{"successful":[${payload.successful.map(item).join(',')}],"failed":[${payload.failed.map(item).join(',')}],` +
    `"total_count":${int(payload.total_count)},"success_count":${int(payload.success_count)},"failure_count":${int(payload.failure_count)},` +
    `"has_failures":${payload.has_failures},"has_successes":${payload.has_successes},"partial_success":${payload.partial_success}}`
}
