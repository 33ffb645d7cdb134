import { Type, type Static } from '@sinclair/typebox'
import { LOG_LEVELS } from './common.js'
import { SandboxSettings } from './sandbox-settings.js'

const Int = (def: number, min: number, description: string, max?: number) =>
  Type.Integer({ default: def, minimum: min, ...(max === undefined ? {} : { maximum: max }), description })

/**
 * Every environment variable the gateway reads, with its default and rule (README, "Configuration").
 * Keys are the variable names, so `fastify.config.PORT` reads like the docs. The embedded
 * sandbox's variables have the standalone sandbox's rules (SandboxSettings, as in sandbox/env.ts).
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Optional(Type.String({ description: '"production" forbids the embedded sandbox unless HOSTAWAY_SANDBOX=1' })),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'address the gateway listens on' }),
  PORT: Int(3000, 0, 'port the gateway listens on (0 = ephemeral)', 65535),
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' }),
  API_KEYS: Type.Optional(Type.String({ description: 'comma-separated keys accepted in X-API-Key; unset = API open' })),
  HOSTAWAY_ACCOUNT_ID: Type.Optional(Type.String({ minLength: 1, description: 'Hostaway account id (client_id); unset = embedded sandbox' })),
  HOSTAWAY_API_KEY: Type.Optional(Type.String({ minLength: 1, description: 'Hostaway client secret; unset = embedded sandbox' })),
  HOSTAWAY_SANDBOX: Type.Boolean({ default: false, description: 'allow the embedded sandbox when NODE_ENV=production and no credentials are set' }),
  HOSTAWAY_BASE_URL: Type.String({ default: 'https://api.hostaway.com/v1', description: 'Hostaway-compatible base URL, an http(s) URL with a host (checked by services/config.ts); only used with HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY' }),
  HOSTAWAY_RATE_LIMIT_IP: Int(15, 1, 'upstream requests per window per IP'),
  HOSTAWAY_RATE_LIMIT_ACCOUNT: Int(20, 1, 'upstream requests per window per account'),
  HOSTAWAY_RATE_WINDOW_MS: Int(10000, 1, 'upstream rate-limit window (ms)'),
  HOSTAWAY_RATE_SAFETY_MARGIN: Int(1, 0, 'requests kept in reserve below each limit'),
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: Int(100, 0, 'extra ms added to the window for clock skew'),
  HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: Int(1000, 0, 'while the event loop lags, the window also grows by the longest loop delay measured within the last window, up to this many ms; 0 = off', 60000),
  HOSTAWAY_TIMEOUT_MS: Int(10000, 1, 'per-attempt upstream timeout (ms)'),
  HOSTAWAY_MAX_RETRIES: Int(3, 0, 'retries after the first attempt', 10),
  HOSTAWAY_RETRY_BASE_MS: Int(200, 0, 'base delay of exponential backoff (ms)'),
  HOSTAWAY_TOKEN_SETTLE_MS: Int(1000, 0, 'wait after a new token before using it (ms)'),
  BREAKER_FAILURE_THRESHOLD: Int(10, 1, 'consecutive upstream failures (network, timeout, 5xx) that open the circuit breaker'),
  BREAKER_WINDOW_MS: Int(30000, 1, 'failures older than this (ms) do not count toward the threshold'),
  BREAKER_OPEN_MS: Int(10000, 1, 'how long the breaker stays open before one probe (ms)'),
  REQUEST_TIMEOUT_MS: Int(15000, 1, 'total deadline of a single-item route (ms)'),
  LIMITER_MAX_QUEUE: Int(1000, 1, 'most upstream calls waiting for a rate-limit slot; beyond it the calls whose turns come last are refused (503 rate_limit, or unprocessed batch items)'),
  LIMITER_WEIGHTS: Type.Optional(Type.String({ description: 'comma-separated caller=weight (1-16): an API key\'s id (first 12 hex digits of its SHA-256) or ip:<address> gets that many turns in the rate-limiter queue for every turn of a caller of weight 1; unset = all equal' })),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Int(1000, 0, 'new requests are refused (503 unprocessed, Retry-After) while the mean event-loop delay of the last second is above this (ms); /health and /metrics still answer; 0 = off', 60000),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ default: 0, minimum: 0, maximum: 1, description: 'new requests are refused (503 unprocessed, Retry-After) while the event loop was busy more than this share of the last second (0-1, e.g. 0.98); 0 = off' }),
  SHUTDOWN_GRACE_MS: Int(25000, 0, 'how long in-flight requests may finish after SIGTERM/SIGINT (ms)'),
  CACHE_TTL_MS: Int(30000, 0, 'read cache TTL (ms); 0 disables'),
  NEGATIVE_CACHE_TTL_MS: Int(60000, 0, 'how long an upstream 404 is remembered (ms); 0 disables; forgotten on a write or webhook for the id'),
  BATCH_PLANNER: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'batch lookups read list pages when that costs fewer upstream calls (on), or one GET per uncached id (off)' }),
  BATCH_MAX_ITEMS: Int(100, 1, 'most items in one batch request', 1000),
  BATCH_CONCURRENCY: Int(8, 1, 'items of one batch in flight at once', 100),
  BATCH_TIMEOUT_MS: Int(30000, 1, 'default batch deadline (ms)'),
  BATCH_IDEMPOTENCY_TTL_MS: Int(86400000, 1, 'how long Idempotency-Key results are kept (ms)'),
  BATCH_IDEMPOTENCY_MAX_ENTRIES: Int(50000, 1, 'without REDIS_URL: most Idempotency-Key entries kept in memory; beyond it the oldest results are forgotten (and run again if resent)'),
  BATCH_IDEMPOTENCY_MAX_BYTES: Int(67108864, 65536, 'without REDIS_URL: most memory (bytes, estimated) the Idempotency-Key entries may hold; beyond it the oldest results are forgotten (and run again if resent)'),
  JOB_MAX_ITEMS: Int(10000, 1, 'most items in one batch sent with Prefer: respond-async (a job)', 100000),
  JOB_RESULT_TTL_MS: Int(86400000, 1, 'how long a finished job and its result are kept (ms)'),
  JOB_STALL_INTERVAL_MS: Int(30000, 200, 'with REDIS_URL: the lock of a running job lasts this long (renewed every half of it); the jobs of an instance that died are taken over by another between 0.5 and 1.5 times this after its death (ms)', 600000),
  HOSTAWAY_WEBHOOK_USER: Type.Optional(Type.String({ minLength: 1, description: 'Basic-auth user Hostaway sends to POST /webhooks/hostaway; unset = receiver off (404)' })),
  HOSTAWAY_WEBHOOK_PASSWORD: Type.Optional(Type.String({ minLength: 1, description: 'Basic-auth password of the webhook receiver; set with HOSTAWAY_WEBHOOK_USER' })),
  BODY_LIMIT_BYTES: Int(1048576, 1024, 'largest request body accepted (bytes)'),
  JSON_MAX_DEPTH: Int(64, 2, 'deepest nesting of objects and arrays in a JSON request body (400 beyond) or in an upstream response (that call fails as upstream_error)', 1000),
  HEADERS_TIMEOUT_MS: Int(10000, 100, 'a connection must send the complete headers of a request within this (ms) of opening, or of the request\'s start: else 408 and closed; a connection that sends nothing is closed then', 120000),
  KEEP_ALIVE_TIMEOUT_MS: Int(72000, 100, 'how long a connection may stay open without a request after its last response (ms)', 600000),
  MAX_CONNECTIONS: Int(0, 0, 'most client connections open at once; beyond it a new connection is closed at once and a warning logged; 0 = the open-file limit minus 256 (read from /proc/self/limits), no cap where it cannot be read'),
  ALLOWED_HOSTS: Type.Optional(Type.String({ description: 'comma-separated host names (besides loopback ones, IP addresses and the host of PUBLIC_BASE_URL) the gateway answers for while API_KEYS is unset: the defence against DNS rebinding' })),
  MCP_RESULT_MAX_CHARS: Int(40000, 1000, 'longest JSON of an MCP tool result (characters): a longer list, page or batch is cut, the result saying what was left out and how to get it', 10_000_000),
  MCP_ALLOWED_ORIGINS: Type.Optional(Type.String({ description: 'comma-separated origins (scheme://host[:port]) of browser pages that may call /mcp besides the loopback ones' })),
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s?#]+$', description: 'public base URL of the gateway, the OpenAPI document\'s server; unset = the listen address' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^(rediss?://|unix:///)', description: 'Redis shared by several instances (rate budget, token, read cache, Idempotency-Key results): redis://[user:password@]host[:port][/db], rediss:// (TLS) or unix:///path/to/redis.sock; unset = everything in this process' })),
  REDIS_TIMEOUT_MS: Int(1000, 10, 'how long a Redis connect or command may take before Redis counts as unavailable (requests needing it answer 503) (ms)', 60000),
  AUDIT_LOG: Type.String({ default: 'stdout', minLength: 1, description: 'where the audit log of writes goes (one line per item of every batch listing update): stdout, or a file path (appended to; its directory must exist and the file be writable)' }),
  HOSTAWAY_EGRESS_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$', description: 'with REDIS_URL: instances with the same id share the per-IP budget (they leave through one IP); default the host name' })),
  SANDBOX_ACCOUNT_ID: SandboxSettings.accountId,
  SANDBOX_API_KEY: SandboxSettings.apiKey,
  SANDBOX_SEED: SandboxSettings.seed,
  SANDBOX_RATE_WINDOW_MS: SandboxSettings.rateWindowMs,
  SANDBOX_LISTING_COUNT: SandboxSettings.listingCount
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>
