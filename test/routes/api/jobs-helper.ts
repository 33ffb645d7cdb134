import { setTimeout as delay } from 'node:timers/promises'

export interface JobBody {
  id: string
  operation: string
  status: string
  total_count: number
  done_count: number
  success_count: number
  failure_count: number
  created_at: string
  started_at: string | null
  finished_at: string | null
  estimated_finish_at: string | null
  result?: {
    successful: Array<{ index: number, operation_id: string, data: Record<string, unknown> | null, attempts: number }>
    failed: Array<{ index: number, operation_id: string, error_type: string, error: string, attempts: number, retryable: boolean }>
    total_count: number
    success_count: number
    failure_count: number
  }
}

export const ENDED = new Set(['completed', 'cancelled', 'failed'])

/** Send `body` to a batch route with Prefer: respond-async. */
export async function submit (url: string, path: string, body: unknown, headers: Record<string, string> = {}, method = path.endsWith('/batch') ? 'PATCH' : 'POST'): Promise<Response> {
  return await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', prefer: 'respond-async', ...headers }, body: JSON.stringify(body) })
}

/** GET the job until it ended (polling every 50 ms; a generous bound, not a timing claim). */
export async function finished (url: string, id: string, headers: Record<string, string> = {}, ms = 60_000): Promise<JobBody> {
  const end = Date.now() + ms
  for (;;) {
    const res = await fetch(`${url}/api/jobs/${id}`, { headers })
    const job = await res.json() as JobBody
    if (res.status !== 200) throw new Error(`GET /api/jobs/${id} answered ${res.status}: ${JSON.stringify(job)}`)
    if (ENDED.has(job.status)) return job
    if (Date.now() > end) throw new Error(`job ${id} still ${job.status} after ${ms} ms`)
    await delay(50)
  }
}

export interface SseEvent { event: string, id: string | undefined, data: unknown }

/** Read an SSE stream to its end (or until `stopAfter` says so): its events, parsed. */
export async function readEvents (res: Response, stopAfter?: (e: SseEvent) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = []
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    let at: number
    while ((at = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, at)
      buffered = buffered.slice(at + 2)
      const fields: Record<string, string> = {}
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue
        const colon = line.indexOf(':')
        fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart()
      }
      if (fields.data === undefined) continue
      const e = { event: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) as unknown }
      events.push(e)
      if (stopAfter?.(e) === true) {
        await reader.cancel()
        return events
      }
    }
  }
  return events
}
