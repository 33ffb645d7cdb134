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

// scrub lives in lib/ (shared with the sandbox's environment parsing); re-exported for the gateway
export { scrub } from '../lib/redact.js'
