import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RATE_LIMIT_MESSAGE, failBody } from './errors.js'
import { isAfterWrite, type FaultMode } from './faults.js'
import type { SandboxState } from './state.js'

const TOKEN_ROUTE = '/v1/accessTokens'
/** Routes whose `:id` the `fail_ids` and `fail_ids_once` faults match. */
const ID_ROUTES = new Set([
  '/v1/listings/:id', '/v1/listings/:id/calendar', '/v1/listings/:id/calendarIntervals',
  '/v1/reservations/:id', '/v1/reservations/:id/conversations',
  // the id of these is the conversation's
  '/v1/conversations/:id', '/v1/conversations/:id/messages', '/v1/conversations/:id/messages/:messageId'
])
const WRITE_METHODS = new Set(['PUT', 'POST'])

const nginxPage = (code: number, text: string) =>
  `<html>\r\n<head><title>${code} ${text}</title></head>\r\n<body>\r\n<center><h1>${code} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

/** Whether the request is for the simulated API (`<prefix>/v1…`), not the admin routes. */
export function isV1 (request: FastifyRequest, prefix = ''): boolean {
  const url = request.url.slice(prefix.length)
  return request.url.startsWith(prefix) && (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?'))
}

/** The matched route without the mount prefix, e.g. `/v1/listings/:id`; undefined when no route matched. */
export function routeOf (request: FastifyRequest, prefix = ''): string | undefined {
  const url = request.routeOptions.url
  if (url === undefined || url === '*' || url.endsWith('/*')) return undefined
  return url.slice(prefix.length)
}

/** Key of `requests.by_route` in the stats. */
export function routeKey (request: FastifyRequest, prefix = ''): string {
  return `${request.method} ${routeOf(request, prefix) ?? '(not found)'}`
}

/**
 * preValidation gate of every /v1 request, in Hostaway's order: rate limits, then the bearer token,
 * then injected faults. Runs before validation so every call counts, even an invalid one.
 */
export function gate (state: SandboxState, prefix = '') {
  const { limiter, stats, tokens } = state

  function admit (request: FastifyRequest, reply: FastifyReply, account: string | undefined): boolean {
    const admission = limiter.tryAdmit(request.ip, account)
    stats.admission(admission)
    if (admission.ok) return true
    request.log.debug({ limitedBy: admission.limitedBy }, 'sandbox: rate limited')
    // Hostaway sends no Retry-After header.
    reply.code(429).send(failBody(RATE_LIMIT_MESSAGE))
    return false
  }

  return async function sandboxGate (request: FastifyRequest, reply: FastifyReply) {
    if (!isV1(request, prefix)) return
    const route = routeOf(request, prefix)
    if (route === TOKEN_ROUTE) {
      // A token request counts against its client_id; a revocation against the token's account.
      const account = request.method === 'POST'
        ? stringField(request.body, 'client_id')
        : tokens.accountOf(stringField(request.query, 'token') ?? '')
      if (!admit(request, reply, account)) return reply
      return
    }
    const auth = tokens.check(request.headers.authorization)
    // A call with a bad token counts against the IP only.
    if (!admit(request, reply, auth.ok ? auth.accountId : undefined)) return reply
    if (!auth.ok) {
      stats.authFailure()
      reply.code(403).send(failBody(auth.message))
      return reply
    }
    if (route === undefined) return // unknown path: the not-found handler answers 404
    await injectFault(state, request, reply, route)
    if (reply.sent) return reply
  }
}

function stringField (source: unknown, key: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined
  const value = (source as Record<string, unknown>)[key]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

function idOf (request: FastifyRequest, route: string): number | undefined {
  if (!ID_ROUTES.has(route)) return undefined
  const raw = (request.params as { id?: unknown }).id
  return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined
}

async function injectFault (state: SandboxState, request: FastifyRequest, reply: FastifyReply, route: string): Promise<void> {
  const delay = state.faults.latencyMs()
  if (delay > 0) {
    state.stats.fault('latency')
    try {
      await sleep(delay, undefined, { signal: state.closing })
    } catch {
      // closing: drop the request
      reply.hijack()
      request.raw.socket.destroy()
      return
    }
  }
  let mode = state.faults.pick(idOf(request, route), `${request.method} ${route}`)
  if (mode === undefined) return
  if (isAfterWrite(mode)) {
    // A write runs and the fault fires after it (after-write.ts); a read gets the plain fault.
    if (WRITE_METHODS.has(request.method)) {
      state.afterWrite.set(request.raw, mode)
      return
    }
    mode = mode === 'hang_after_write' ? 'hang' : mode === 'reset_after_write' ? 'reset' : '500'
  }
  state.stats.fault(mode)
  request.log.debug({ fault: mode }, 'sandbox: injecting fault')
  answerWithFault(mode, state, request, reply, route)
}

function answerWithFault (mode: FaultMode, state: SandboxState, request: FastifyRequest, reply: FastifyReply, route: string): void {
  switch (mode) {
    case 'hang':
      reply.hijack()
      state.hang(request.raw.socket)
      return
    case 'reset':
      reply.hijack()
      request.raw.socket.resetAndDestroy()
      return
    case '500':
      reply.code(500).send(failBody('Internal Server Error'))
      return
    case '502':
      reply.code(502).type('text/html').send(nginxPage(502, 'Bad Gateway'))
      return
    case '503':
      reply.code(503).type('text/html').send(nginxPage(503, 'Service Temporarily Unavailable'))
      return
    case '429':
      reply.code(429).send(failBody(RATE_LIMIT_MESSAGE))
      return
    case '404':
      reply.code(404).send(failBody(`${route.startsWith('/v1/reservations') ? 'Reservation' : route.startsWith('/v1/conversations') ? 'Conversation' : 'Listing'} not found`))
      return
    case 'fail_200':
      // Pre-serialized: bypasses the route's 200 response schema.
      reply.code(200).type('application/json').send(JSON.stringify({ status: 'fail', result: 'An error occurred while processing your request. Please try again later.' }))
      return
    default:
      // after-write modes never get here (handled in injectFault)
      throw new Error(`unexpected fault mode ${mode}`)
  }
}
