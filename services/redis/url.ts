/** REDIS_URL helpers that need no Redis client (the logger uses them). */

/** Where a REDIS_URL points, without userinfo or query: safe to log. */
export function redisTarget (url: string): string {
  try {
    const u = new URL(url)
    return u.protocol === 'unix:' ? decodeURIComponent(u.pathname) : `${u.protocol}//${u.host}`
  } catch {
    return '(invalid REDIS_URL)'
  }
}

/** The password a REDIS_URL carries, to keep it out of every message. */
export function redisPassword (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}
