import { pino } from 'pino'
import { LogCapture } from '../helper.js'

/**
 * A sandbox logger that keeps the order in which the sandbox answered upstream requests
 * ("PUT /v1/listings/3", "GET /v1/listings/31", …; the sandbox logs one line per request).
 */
export function upstreamOrder () {
  const capture = new LogCapture()
  return {
    logger: pino({ level: 'debug' }, capture),
    calls: (): string[] => capture.entries().map((e) => String(e.msg)).filter((msg) => /^(GET|PUT|POST) \/v1\//.test(msg))
  }
}

/** Settle `count` requests sent at once with `send`, each as status, JSON body and headers. */
export async function all (count: number, send: (i: number) => Promise<Response>) {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    const res = await send(i)
    return { status: res.status, body: await res.json() as Record<string, unknown>, headers: res.headers }
  }))
}

export const json = (key?: string) => ({ 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-api-key': key }) })
