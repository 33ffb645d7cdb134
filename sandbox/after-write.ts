import type { FastifyReply, FastifyRequest } from 'fastify'
import { failBody, type FailBody } from './errors.js'
import type { SandboxState } from './state.js'
import type { WriteKind } from './stats.js'

/**
 * The answer of a write that was applied: counted in the stats, then either `payload` or — when the
 * gate picked an `*_after_write` fault for this request — no answer the client can use: the socket
 * hangs until the client gives up (or the sandbox closes), is reset, or a 500 comes back. The write
 * stays applied, which is the point: a message stored upstream whose send the caller cannot confirm.
 */
export function written<T> (state: SandboxState, kind: WriteKind, request: FastifyRequest, reply: FastifyReply, payload: T): T | FailBody | FastifyReply {
  state.stats.write(kind)
  const mode = state.afterWrite.get(request.raw)
  if (mode === undefined) return payload
  state.afterWrite.delete(request.raw)
  state.stats.fault(mode)
  request.log.debug({ fault: mode }, 'sandbox: injecting fault after the write')
  switch (mode) {
    case 'hang_after_write':
      reply.hijack()
      state.hang(request.raw.socket)
      return reply
    case 'reset_after_write':
      reply.hijack()
      request.raw.socket.resetAndDestroy()
      return reply
    case '500_after_write':
      reply.code(500)
      return failBody('Internal Server Error')
  }
}
