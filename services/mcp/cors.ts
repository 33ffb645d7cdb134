/**
 * CORS for /mcp: a browser page from an allowed origin (the gateway's own names, or MCP_ALLOWED_ORIGINS:
 * the one rule services/host-guard.ts checks) may call the endpoint from its own scripts. Any other origin gets no
 * CORS header at all (and the Origin check answers it 403), so the browser keeps the answer from the
 * page. There are no cookies: the key travels in a header, so no `Access-Control-Allow-Credentials`.
 */

/** The methods a preflight allows: POST, and GET / DELETE so that a browser client sees their 405 (a CORS failure would look like a network error). */
export const CORS_METHODS = 'GET, POST, DELETE, OPTIONS'

/**
 * The request headers an MCP client sends: the protocol's (`Mcp-Protocol-Version`, and those of the
 * 2026-07-28 revision: `Mcp-Method`, `Mcp-Name`, …), the key, the request id. A preflight that asks
 * for other headers gets those it asked for (the origin is trusted already; `Mcp-Param-*` names vary).
 */
export const CORS_REQUEST_HEADERS = 'Content-Type, Accept, Authorization, X-API-Key, X-Request-Id, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID'

/** The response headers a page's script may read. */
export const CORS_EXPOSED_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, X-Request-Id, Retry-After'

/** How long a browser may reuse a preflight answer (s). */
export const CORS_MAX_AGE_S = 600

/** A comma-separated list of header names (RFC 9110 tokens), as `Access-Control-Request-Headers` carries it. */
const HEADER_LIST = /^\s*[!#$%&'*+.^_`|~\w-]+(\s*,\s*[!#$%&'*+.^_`|~\w-]+)*\s*$/

/** The headers of every answer to an allowed origin (`Vary: Origin`: another origin gets another answer). */
export function corsHeaders (origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': CORS_EXPOSED_HEADERS,
    vary: 'Origin'
  }
}

/** The extra headers of a preflight (204) from an allowed origin, given the headers it asks for. */
export function preflightHeaders (requested: string | undefined): Record<string, string> {
  const asked = requested !== undefined && HEADER_LIST.test(requested) ? requested.split(',').map((h) => h.trim()) : []
  const known = CORS_REQUEST_HEADERS.split(', ')
  const extra = asked.filter((h) => !known.some((k) => k.toLowerCase() === h.toLowerCase()))
  return {
    'access-control-allow-methods': CORS_METHODS,
    'access-control-allow-headers': [...known, ...extra].join(', '),
    'access-control-max-age': String(CORS_MAX_AGE_S),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
  }
}
