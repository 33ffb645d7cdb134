import { HostawayError } from '../../../services/errors.js'

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
