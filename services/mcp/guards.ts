import type { IncomingHttpHeaders } from 'node:http'

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
export function isAllowedOrigin (origin: string): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  return LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost')
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** The API key of a request: the `X-API-Key` header, else `Authorization: Bearer <key>`. */
export function apiKeyOf (headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key']
  if (typeof header === 'string' && header !== '') return header
  return BEARER.exec(headers.authorization ?? '')?.[1]
}
