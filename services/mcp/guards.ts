import { commaList } from '../env.js'

/** Hostnames of the loopback interface, as a URL spells them. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Whether a browser page at `origin` may call /mcp: only pages served from the loopback interface
 * (http(s)://localhost, 127.0.0.1 or [::1], any port, `*.localhost` too). This is the MCP
 * specification's defence against DNS rebinding: a page on a hostile site that rebinds its name to
 * this machine still sends its own Origin, and is refused. (Comparing the Origin with the Host
 * header would not help: after a rebinding both name the hostile site.) A request without an Origin
 * header is not from a browser page and is not affected.
 */
export function isAllowedOrigin (origin: string, allowed: ReadonlySet<string> = new Set()): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  return LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost') || allowed.has(url.origin)
}

/**
 * The origins of MCP_ALLOWED_ORIGINS (comma-separated `scheme://host[:port]`), as the URL standard
 * spells them (`https://App.Example.com:443` → `https://app.example.com`). Throws on an entry that
 * is not an http(s) origin: a path, a query, credentials or `*` are refused, not ignored.
 */
export function parseAllowedOrigins (raw: string | undefined): Set<string> {
  const origins = new Set<string>()
  for (const entry of commaList(raw ?? '')) {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new Error(`"${entry}" is not an origin`)
    }
    const bare = (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' &&
      url.search === '' && url.hash === '' && !entry.replace(/^https?:\/\//i, '').includes('/')
    if (!bare) throw new Error(`"${entry}" is not an origin (scheme://host[:port], nothing after it)`)
    origins.add(url.origin)
  }
  return origins
}
