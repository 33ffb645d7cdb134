/**
 * Free-text redaction shared by the gateway (services/redact.ts re-exports it) and the environment
 * parsing both the gateway and the sandbox use (lib/env.ts). lib/ imports nothing of the repository.
 */
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
