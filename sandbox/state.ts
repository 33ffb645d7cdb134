import { setMaxListeners } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { generateData } from './data.js'
import { FaultEngine, type AfterWriteMode, type Faults } from './faults.js'
import { resolveOptions } from './options.js'
import { SlidingWindowLimiter } from './rate-limit.js'
import { StatsCollector } from './stats.js'
import { SandboxStore } from './store.js'
import { TokenStore } from './tokens.js'
import type { SandboxOptions } from './types.js'

/** Everything one sandbox instance holds; routes and the RunningSandbox helpers share it. */
export interface SandboxState {
  readonly options: SandboxOptions
  readonly store: SandboxStore
  readonly tokens: TokenStore
  readonly limiter: SlidingWindowLimiter
  readonly faults: FaultEngine
  readonly stats: StatsCollector
  /** Aborted at close: pending latency delays end and hanging sockets are destroyed. */
  readonly closing: AbortSignal
  /** Writes whose answer an `*_after_write` fault replaces once the write is applied (after-write.ts). */
  readonly afterWrite: WeakMap<IncomingMessage, AfterWriteMode>
  /** Hold a socket open without answering until the client gives up or the sandbox closes. */
  hang (socket: Socket): void
  /** Replace the fault config (validated; throws a 400 SandboxError). */
  setFaults (faults: unknown): Faults
  reset (opts?: { data?: boolean }): void
  close (): void
}

export function createSandboxState (input: Partial<SandboxOptions> = {}): SandboxState {
  const options = resolveOptions(input)
  const { seed, baseDate, accountId, listingCount } = options
  const store = new SandboxStore(() => generateData(seed, baseDate, accountId, listingCount))
  const limiter = new SlidingWindowLimiter(options.rateLimitIp, options.rateLimitAccount, options.rateWindowMs)
  const faults = new FaultEngine(seed, options.faults)
  const stats = new StatsCollector()
  const hanging = new Set<Socket>()
  const closing = new AbortController()
  // every request sleeping in a latency fault listens on this signal
  setMaxListeners(0, closing.signal)

  return {
    options,
    store,
    tokens: new TokenStore(options.tokenTtlSeconds, options.tokenSettleMs),
    limiter,
    faults,
    stats,
    closing: closing.signal,
    afterWrite: new WeakMap(),
    hang (socket) {
      if (closing.signal.aborted) {
        socket.destroy()
        return
      }
      hanging.add(socket)
      socket.once('close', () => hanging.delete(socket))
    },
    setFaults: (f) => faults.set(f),
    reset (opts = {}) {
      stats.reset()
      limiter.reset()
      faults.set({})
      if (opts.data === true) store.regenerate()
    },
    close () {
      closing.abort()
      for (const socket of hanging) socket.destroy()
      hanging.clear()
    }
  }
}
