import { isIP } from 'node:net'
import { commaList } from '../lib/env.js'

/**
 * The defence against DNS rebinding, one rule for every route it covers (README, "Host and Origin").
 *
 * A page on a hostile site whose name is rebound to this machine's address talks to the gateway as
 * if it were its own site: the browser sends `Host: evil.example:3000` and, for writes, `Origin:
 * http://evil.example:3000`, and lets the page read the answers. So a request is served only when
 * - its Host names this gateway: a loopback name (localhost, *.localhost, 127.0.0.1, [::1]), an IP
 *   address (a rebinding needs a DNS name: a page can only be at an IP address it connects to), the
 *   host of PUBLIC_BASE_URL or one of ALLOWED_HOSTS; and
 * - its Origin, when a browser sends one, is a page of such a host: loopback, the host of
 *   PUBLIC_BASE_URL or one of ALLOWED_HOSTS (any port, http or https), an origin listed in
 *   MCP_ALLOWED_ORIGINS, or the request's own origin when its Host passed (a page the gateway
 *   serves itself, e.g. /docs reached by IP address).
 * A request without Origin is not from a browser page's script (or is a same-origin GET, which the
 * Host rule covers). A request without Host (HTTP/1.0) is not from a browser either.
 */

/** Hostnames of the loopback interface, as a URL spells them. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Most distinct Host headers whose verdict a guard remembers. */
const HOST_MEMO_MAX = 256

/** A hostname the URL standard accepts, and that DNS or an address could name: no `*`, no spaces. */
const HOSTNAME = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_.])?)$/

export interface HostGuardOptions {
  /** PUBLIC_BASE_URL: its host is one of the gateway's names */
  publicBaseUrl?: string
  /** ALLOWED_HOSTS, as configured (comma-separated host names) */
  allowedHosts?: string
  /** MCP_ALLOWED_ORIGINS, as configured (comma-separated origins) */
  allowedOrigins?: string
}

export type HostGuard = ReturnType<typeof createHostGuard>

/** `host` (a Host header or an entry: `name[:port]`) as the URL standard spells its parts; undefined when it is not one. */
function parseHost (host: string, scheme = 'http:'): { hostname: string, host: string, port: string } | undefined {
  let url: URL
  try {
    url = new URL(`${scheme}//${host}`)
  } catch {
    return undefined
  }
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || host.includes('/')) return undefined
  return HOSTNAME.test(url.hostname) ? { hostname: url.hostname, host: url.host, port: url.port } : undefined
}

function isLoopback (hostname: string): boolean {
  return LOOPBACK.has(hostname) || hostname.endsWith('.localhost')
}

function isAddress (hostname: string): boolean {
  return hostname.startsWith('[') || isIP(hostname) === 4
}

/**
 * The host names of ALLOWED_HOSTS (comma-separated names or addresses, no port), as the URL
 * standard spells them (`Gateway.Example.com` → `gateway.example.com`). Throws on an entry that is
 * not a bare host name: a scheme, a port, a path or `*` is refused, not ignored.
 */
export function parseAllowedHosts (raw: string | undefined): Set<string> {
  const hosts = new Set<string>()
  for (const entry of commaList(raw ?? '')) {
    const parsed = parseHost(entry)
    if (parsed === undefined || parsed.port !== '' || entry.includes(':') !== parsed.hostname.startsWith('[')) {
      throw new Error(`"${entry}" is not a host name (a name or an address, no scheme, port or path)`)
    }
    hosts.add(parsed.hostname)
  }
  return hosts
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

/** The rule, built once from the configuration (as validated by loadConfig). */
export function createHostGuard ({ publicBaseUrl, allowedHosts, allowedOrigins }: HostGuardOptions) {
  const named = parseAllowedHosts(allowedHosts)
  if (publicBaseUrl !== undefined) named.add(new URL(publicBaseUrl).hostname)
  const origins = parseAllowedOrigins(allowedOrigins)
  /** a name of this gateway: loopback, PUBLIC_BASE_URL's host, ALLOWED_HOSTS */
  const isNamed = (hostname: string) => isLoopback(hostname) || named.has(hostname)

  /**
   * Host headers seen, and whether each is allowed: a client sends the same Host on every request,
   * and parsing it (a WHATWG URL) was ~2 % of a warm batch's CPU. Bounded: Host is the client's to
   * choose, so past HOST_MEMO_MAX distinct values the others are parsed each time.
   */
  const memo = new Map<string, boolean>()

  function hostAllowed (host: string): boolean {
    const known = memo.get(host)
    if (known !== undefined) return known
    const parsed = parseHost(host)
    const allowed = parsed !== undefined && (isNamed(parsed.hostname) || isAddress(parsed.hostname))
    if (memo.size < HOST_MEMO_MAX) memo.set(host, allowed)
    return allowed
  }

  return {
    /** Why a request with this Host header may not be served (undefined: it may). */
    hostRefusal (host: string | undefined): string | undefined {
      if (host === undefined || hostAllowed(host)) return undefined
      return `Host ${JSON.stringify(host.slice(0, 100))} is not a name of this gateway: while API_KEYS is unset only requests to localhost, ` +
        'an IP address, the host of PUBLIC_BASE_URL or a host of ALLOWED_HOSTS are served (a defence against DNS rebinding)'
    },

    /** Why a browser page of `origin` may not call `what` (undefined: it may, or there is no Origin). */
    originRefusal (origin: string | undefined, host: string | undefined, what: string): string | undefined {
      if (origin === undefined || originAllowed(origin, host)) return undefined
      return `Origin ${origin.slice(0, 200)} may not call ${what}: only pages served from localhost, 127.0.0.1, [::1] or an origin of MCP_ALLOWED_ORIGINS may, ` +
        'besides the gateway\'s own hosts (PUBLIC_BASE_URL, ALLOWED_HOSTS)'
    }
  }

  function originAllowed (origin: string, host: string | undefined): boolean {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    if (origins.has(url.origin) || isNamed(url.hostname)) return true
    // the page's own origin: allowed when its Host is (a page of the gateway reached by IP address)
    return host !== undefined && hostAllowed(host) && parseHost(host, url.protocol)?.host === url.host
  }
}
