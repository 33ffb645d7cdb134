import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { toPartialFailureResponse } from './results.js'
import { REMEDIATION, statusForErrorType } from '../errors.js'

/**
 * The JSON of a PartialFailureResponse, fast: the envelope written field by field (the schema's
 * fields, in its order), each data object written once per object, as UTF-8 bytes, and reused. A
 * cached listing is the same object in every response that carries it, so a warm batch costs a
 * copy of its bytes instead of serializing ~2.6 KB per listing again, and the answer goes out as
 * one Buffer: a string answer would be encoded to UTF-8 again on every write (a listing's text
 * holds characters such as ’, so the string is two bytes a character, and one built of pieces is
 * flattened first; that was ~30 % of a warm batch's CPU). Data objects must not be changed once
 * returned (the cache never changes them; a transformed copy, e.g. one without secret fields, is
 * another object: it is written on its own).
 */
const dataJson = new WeakMap<object, Buffer>()

/** The JSON of an item's data: an object's UTF-8 bytes (written once per object), the text of anything else. */
function data (value: unknown): Buffer | string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value ?? null)
  let json = dataJson.get(value)
  if (json === undefined) {
    const text = JSON.stringify(value) as string | undefined
    if (text === undefined) throw new TypeError('the data object has no JSON form (its toJSON returned undefined)')
    // a buffer of its own, exactly the size: a slice of Node's shared pool would keep the whole 8 KB slab alive as long as the object is cached
    json = Buffer.allocUnsafeSlow(Buffer.byteLength(text))
    json.write(text)
    dataJson.set(value, json)
  }
  return json
}

const text = (value: string | null): string => value === null ? 'null' : JSON.stringify(value)
const int = (value: number | null): string => value === null ? 'null' : String(Math.trunc(value))

/** JSON text and the bytes of data objects, in order, then copied into one Buffer. */
class Pieces {
  private readonly pieces: Array<string | Buffer> = []
  private pending = ''

  text (json: string): void {
    this.pending += json
  }

  json (json: Buffer | string): void {
    if (typeof json === 'string') {
      this.pending += json
      return
    }
    this.pieces.push(this.pending, json)
    this.pending = ''
  }

  bytes (): Buffer {
    this.pieces.push(this.pending)
    let size = 0
    for (const piece of this.pieces) size += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length
    const out = Buffer.allocUnsafe(size)
    let at = 0
    for (const piece of this.pieces) at += typeof piece === 'string' ? out.write(piece, at) : piece.copy(out, at)
    return out
  }
}

function item (out: Pieces, r: OperationResult<unknown>): void {
  out.text(`{"success":${r.success},"error":${text(r.error)},"operation_id":${text(r.operation_id)},"index":${int(r.index)},` +
    `"error_type":${text(r.error_type)},"status_code":${int(r.status_code)},"retryable":${r.retryable},` +
    `"retry_after_ms":${int(r.retry_after_ms)},"remediation":${text(r.remediation)},"attempts":${int(r.attempts)},"data":`)
  out.json(data(r.data))
  out.text('}')
}

function items (out: Pieces, results: ReadonlyArray<OperationResult<unknown>>): void {
  out.text('[')
  for (let i = 0; i < results.length; i++) {
    if (i > 0) out.text(',')
    item(out, results[i])
  }
  out.text(']')
}

function isResponse (payload: unknown): payload is PartialFailureResponse<unknown> {
  const p = payload as Partial<PartialFailureResponse<unknown>> | null
  return typeof p === 'object' && p !== null && Array.isArray(p.successful) && Array.isArray(p.failed)
}

/** A successful item whose data cannot be written as JSON, and why. */
export interface Unserializable { index: number, operation_id: string | null, error: unknown }

/**
 * The response with every successful item whose data cannot be written as JSON (JSON.stringify
 * throws: nested too deep for the stack, a BigInt, a cycle) turned into a failure of its own,
 * `internal_error`: one such item never fails the batch. The input, untouched, when every item can
 * be written (the usual case; the JSON is kept for the serializer). `onBroken` hears of each.
 */
export function settleUnserializable<T> (payload: PartialFailureResponse<T>, onBroken: (broken: Unserializable) => void = () => {}): PartialFailureResponse<T> {
  const broken = new Set<OperationResult<T>>()
  for (const result of payload.successful) {
    try {
      data(result.data)
    } catch (error) {
      broken.add(result)
      onBroken({ index: result.index, operation_id: result.operation_id, error })
    }
  }
  if (broken.size === 0) return payload
  const failed = [...broken].map((r): OperationResult<T> => ({
    success: false,
    data: null,
    error: 'The result of this item could not be written as JSON (the upstream object is malformed); a write may have been applied',
    operation_id: r.operation_id,
    index: r.index,
    error_type: 'internal_error',
    status_code: statusForErrorType('internal_error'),
    retryable: false,
    retry_after_ms: null,
    remediation: REMEDIATION.internal_error,
    attempts: r.attempts
  }))
  const results = [...payload.successful.filter((r) => !broken.has(r)), ...payload.failed, ...failed].sort((a, b) => a.index - b.index)
  return toPartialFailureResponse(results)
}

/**
 * A reply serializer for routes answering a PartialFailureResponse (settleUnserializable first,
 * its items reported to `log`): the UTF-8 bytes of its JSON; anything else is plain JSON.
 */
export function partialFailureSerializer (log: { error: (entry: object, msg: string) => void }): (payload: unknown) => Buffer | string {
  return (payload) => partialFailureJson(isResponse(payload)
    ? settleUnserializable(payload, ({ index, operation_id: operationId, error }) => log.error({ index, operation_id: operationId, err: error }, 'batch item not serializable: reported as internal_error'))
    : payload)
}

/** What the answers need of Fastify's reply. */
interface JsonReply {
  type: (t: string) => { serializer: (fn: (payload: unknown) => string) => unknown }
  log: { error: (entry: object, msg: string) => void }
}

/**
 * Answer `reply` as JSON through partialFailureSerializer: a cached listing's JSON is written once,
 * as bytes, not per response; an item whose result cannot be written fails alone, never the batch.
 */
export function answerPartialFailure (reply: JsonReply): void {
  // a reply serializer may return a Buffer, sent as it is (Fastify's Reply reference, `.serializer(func)`), though its type says string
  reply.type('application/json; charset=utf-8').serializer(partialFailureSerializer(reply.log) as (payload: unknown) => string)
}

/** The JSON of a PartialFailureResponse (every item serializable: settleUnserializable) as UTF-8 bytes, or the JSON text of anything else. */
export function partialFailureJson (payload: unknown): Buffer | string {
  if (!isResponse(payload)) return JSON.stringify(payload)
  const out = new Pieces()
  out.text('{"successful":')
  items(out, payload.successful)
  out.text(',"failed":')
  items(out, payload.failed)
  out.text(`,"total_count":${int(payload.total_count)},"success_count":${int(payload.success_count)},"failure_count":${int(payload.failure_count)},` +
    `"has_failures":${payload.has_failures},"has_successes":${payload.has_successes},"partial_success":${payload.partial_success}}`)
  return out.bytes()
}

/**
 * The 200 of a batch write route: a dry run's plan as it is; otherwise the batch's response through
 * `partialFailureSerializer`, with `Idempotent-Replayed: true` when it was replayed.
 */
export function batchWriteAnswer<B, D> (
  reply: JsonReply & { header: (name: string, value: string) => unknown },
  outcome: { replayed: boolean, body: B } | { dryRun: D }
): B | D {
  if ('dryRun' in outcome) return outcome.dryRun
  if (outcome.replayed) reply.header('idempotent-replayed', 'true')
  answerPartialFailure(reply)
  return outcome.body
}
