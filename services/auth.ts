import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * A checker for the X-API-Key header. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the content nor the length of a key leaks through timing;
 * every key is compared, so the position of a match does not leak either.
 */
export function createApiKeyChecker (keys: readonly string[]): (candidate: string | undefined) => boolean {
  const digests = keys.map(digest)
  return (candidate) => {
    if (candidate === undefined || candidate === '') return false
    const given = digest(candidate)
    let ok = false
    for (const d of digests) ok = timingSafeEqual(d, given) || ok
    return ok
  }
}
