import { HostawayError } from '../../../services/errors.js'
import { createHostawayClient, type HostawayClientOptions } from '../../../services/hostaway/client.js'
import type { RunningSandbox } from '../../../sandbox/index.js'

/** Await a promise that must reject with a HostawayError, and return that error. */
export async function failure (p: Promise<unknown>): Promise<HostawayError> {
  try {
    await p
  } catch (err) {
    if (err instanceof HostawayError) return err
    throw err
  }
  throw new Error('expected a HostawayError')
}

/** Requests the sandbox counted for one method on routes matching `pattern`. */
export function routeCount (byRoute: Record<string, number>, method: string, pattern: RegExp): number {
  let n = 0
  for (const [route, count] of Object.entries(byRoute)) {
    const [m, path] = route.split(' ')
    if (m === method && path !== undefined && pattern.test(path)) n += count
  }
  return n
}

/** A client against `sandbox` with short windows and fast retries, closed with the test. */
export function testClient (t: { teardown: (fn: () => unknown) => void }, sandbox: RunningSandbox, over: Partial<HostawayClientOptions> = {}) {
  const c = createHostawayClient({
    baseUrl: sandbox.baseUrl,
    accountId: sandbox.accountId,
    apiKey: sandbox.apiKey,
    rateLimitIp: 15,
    rateLimitAccount: 20,
    rateWindowMs: 1000,
    safetyMargin: 1,
    windowMarginMs: 100,
    timeoutMs: 2000,
    maxRetries: 3,
    retryBaseMs: 10,
    tokenSettleMs: 50,
    cacheTtlMs: 0,
    ...over
  })
  t.teardown(() => c.close())
  return c
}
