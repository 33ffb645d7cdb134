import type { Permit } from '../../../services/limiter/types.js'

// Shared by the rate limiter's tests (limiter.test.ts, slots.test.ts).

/** A permit whose request is written as soon as it is granted (most tests here). */
export async function sent (acquired: Promise<Permit>): Promise<Permit> {
  const permit = await acquired
  permit.sent()
  return permit
}

export const isAbortError = (err: unknown) => err instanceof Error && err.name === 'AbortError'

/** Largest number of grant times falling within any window of `windowMs` (half-open). */
export function maxInAnyWindow (times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0; i < sorted.length; i++) {
    let j = i
    while (j < sorted.length && sorted[j] - sorted[i] < windowMs) j++
    best = Math.max(best, j - i)
  }
  return best
}

export async function rejection (p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

export function activeTimeouts (): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}
