/** Header names and object keys whose values never reach a log line or an error body. */
export const SECRET_KEYS = [
  'authorization', 'x-api-key', 'cookie', 'set-cookie',
  'access_token', 'accessToken', 'token', 'client_secret', 'clientSecret',
  'apiKey', 'api_key', 'HOSTAWAY_API_KEY', 'API_KEYS', 'SANDBOX_API_KEY', 'password', 'secret'
]

/** pino `redact.paths` covering request headers and secret-named keys one or two levels deep. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  ...SECRET_KEYS.filter((k) => /^[A-Za-z_]\w*$/.test(k)).flatMap((k) => [k, `*.${k}`, `*.*.${k}`])
]

const PATTERNS: Array<[RegExp, string]> = [
  // the password of a URL's userinfo (redis://user:password@host)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, '$1[redacted]@'],
  [/(bearer\s+)[\w.~+/=-]+/gi, '$1[redacted]'],
  [/((?:client_secret|access_token|token|api_key|apikey|password|secret)["']?\s*[=:]\s*["']?)[^\s&"',}]+/gi, '$1[redacted]'],
  [/(x-api-key["']?\s*[=:]\s*["']?)[^\s&"',}]+/gi, '$1[redacted]'],
  // JWT-looking strings
  [/eyJ[\w-]{4,}\.[\w-]{4,}\.?[\w-]*/g, '[redacted]']
]

/**
 * Remove tokens and secrets from free text (error messages, upstream bodies).
 * `secrets` are literal values to mask wherever they appear (client secret, API keys).
 */
export function scrub (text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement)
  return out
}
