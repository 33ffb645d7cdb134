import { sleep } from '../../abort.js'
import type { SharedTokens, SharedTokenState } from '../../seams.js'

export type { SharedTokens, SharedTokenState }

export interface SharedTokenDeps {
  shared: SharedTokens
  /** request a new token upstream (through the attempt loop, ahead of the limiter queue) */
  fetch: () => Promise<{ value: string, ttlMs: number }>
  settleMs: number
  /** how long the fetching instance holds the lock: longer than a token request may take */
  lockTtlMs: number
  /** pause between two looks while another instance fetches (jittered up to twice this) */
  pollMs: number
  random: () => number
  /** ends the wait (the client closes) */
  signal: AbortSignal
}

/**
 * The token shared by every instance: the stored one unless it is `stale` (this instance saw it
 * refused); else one instance takes the lock and fetches a new one — after looking again, since
 * another may have just stored one — and stores it only if the shared token is still the one it
 * saw (compare-and-replace), while the others wait for it. N instances, one token request.
 */
export async function sharedToken (deps: SharedTokenDeps, stale: string | undefined): Promise<SharedTokenState> {
  const { shared } = deps
  const usable = (state: SharedTokenState): boolean => state.value !== stale
  for (;;) {
    const found = await shared.get()
    if (found !== undefined && usable(found)) return found
    const owner = await shared.lock(deps.lockTtlMs)
    if (owner !== undefined) {
      try {
        const again = await shared.get()
        if (again !== undefined && usable(again)) return again
        const token = await deps.fetch()
        const fresh = { ...token, settleMs: deps.settleMs }
        // a token that cannot be stored (the store failed meanwhile) is still good for this instance
        return await shared.replace(again?.value, fresh).catch(() => ({ value: fresh.value, ttlMs: fresh.ttlMs, settleInMs: fresh.settleMs }))
      } finally {
        // the lock expires by itself if this fails
        await shared.unlock(owner).catch(() => {})
      }
    }
    await sleep(deps.pollMs + Math.floor(deps.random() * deps.pollMs), deps.signal)
  }
}
