import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigSchema } from '../../schemas/config.js'

// Config honesty, auditable: every variable of docs/configuration.md's table names the test that
// shows a change of it changes the gateway's behaviour. Adding a variable = a docs/configuration.md row, a
// schemas/config.ts entry and a row here (this test fails until all three exist).

const ROOT = join(import.meta.dirname, '..', '..')

/** variable → the test (file and title) that sets it and asserts what it changes */
const EFFECTS: Record<string, { file: string, test: string, note?: string }> = {
  HOST: { file: 'test/config/listen.test.ts', test: 'HOST and PORT: the gateway listens on that address and port' },
  PORT: { file: 'test/config/listen.test.ts', test: 'HOST and PORT: the gateway listens on that address and port' },
  LOG_LEVEL: { file: 'test/config/effects.test.ts', test: 'LOG_LEVEL: warn leaves out the request lines info writes' },
  API_KEYS: { file: 'test/app.test.ts', test: 'API keys: /api needs a valid X-API-Key; health, ready and docs stay open' },
  HOSTAWAY_ACCOUNT_ID: { file: 'test/services/upstream.test.ts', test: 'credentials set: Hostaway, whatever NODE_ENV says' },
  HOSTAWAY_API_KEY: { file: 'test/routes/health.test.ts', test: 'GET /ready is 503 with the error schema when the credentials are wrong' },
  NODE_ENV: { file: 'test/reliability/server.test.ts', test: 'production without credentials does not start: one line says what to set' },
  HOSTAWAY_SANDBOX: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' },
  HOSTAWAY_BASE_URL: { file: 'test/services/hostaway/client.test.ts', test: 'connection refused → network_error' },
  HOSTAWAY_RATE_LIMIT_IP: { file: 'test/services/hostaway/client.test.ts', test: 'the limiter applies the configured budgets and margins' },
  HOSTAWAY_RATE_LIMIT_ACCOUNT: { file: 'test/services/hostaway/client.test.ts', test: 'the limiter applies the configured budgets and margins' },
  HOSTAWAY_RATE_WINDOW_MS: { file: 'test/services/hostaway/client.test.ts', test: 'the limiter applies the configured budgets and margins' },
  HOSTAWAY_RATE_SAFETY_MARGIN: { file: 'test/services/hostaway/client.test.ts', test: 'the limiter applies the configured budgets and margins' },
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: { file: 'test/services/hostaway/client.test.ts', test: 'the limiter applies the configured budgets and margins' },
  HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: { file: 'test/reliability/stalls.test.ts', test: 'HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: after a stall the window grows by the loop delay measured, at most this; 0 = off' },
  HOSTAWAY_TIMEOUT_MS: { file: 'test/services/hostaway/client.test.ts', test: 'a hanging upstream → timeout' },
  HOSTAWAY_MAX_RETRIES: { file: 'test/services/hostaway/client.test.ts', test: 'a permanent 500 → upstream_error after 1 + maxRetries attempts' },
  HOSTAWAY_RETRY_BASE_MS: { file: 'test/config/effects.test.ts', test: 'HOSTAWAY_RETRY_BASE_MS: the wait before retrying a rate-limited call' },
  HOSTAWAY_TOKEN_SETTLE_MS: { file: 'test/services/hostaway/call/token.test.ts', test: 'settle wait: the first use of a new token waits tokenSettleMs' },
  CACHE_TTL_MS: { file: 'test/services/hostaway/client.test.ts', test: 'cache: a hit makes no upstream call and calls no onAttempt' },
  NEGATIVE_CACHE_TTL_MS: { file: 'test/routes/api/lookups.test.ts', test: 'NEGATIVE_CACHE_TTL_MS: a 404 is remembered, a write for the id forgets it; 0 remembers nothing' },
  BATCH_PLANNER: { file: 'test/routes/api/lookups.test.ts', test: 'BATCH_PLANNER: on reads a page for many ids, off one GET per id; same response' },
  HOSTAWAY_WEBHOOK_USER: { file: 'test/routes/webhooks.test.ts', test: 'off unless HOSTAWAY_WEBHOOK_USER and _PASSWORD are set: 404' },
  HOSTAWAY_WEBHOOK_PASSWORD: { file: 'test/routes/webhooks.test.ts', test: 'Basic credentials: missing, wrong or malformed → 401 with WWW-Authenticate, before the body is read' },
  BREAKER_FAILURE_THRESHOLD: { file: 'test/reliability/breaker.test.ts', test: 'open → fail fast without upstream calls → one half-open probe → closed' },
  BREAKER_WINDOW_MS: { file: 'test/reliability/breaker.test.ts', test: 'failures further apart than BREAKER_WINDOW_MS do not open it' },
  BREAKER_OPEN_MS: { file: 'test/reliability/breaker.test.ts', test: 'a failed probe opens it again for BREAKER_OPEN_MS' },
  REQUEST_TIMEOUT_MS: { file: 'test/reliability/disconnect.test.ts', test: 'REQUEST_TIMEOUT_MS ends a single-item route (504 sent, 503 never sent), never a batch' },
  LIMITER_MAX_QUEUE: { file: 'test/overload/refusals.test.ts', test: 'LIMITER_MAX_QUEUE: a burst beyond the queue bound is refused at once, the rest is served' },
  LIMITER_WEIGHTS: { file: 'test/config/effects.test.ts', test: 'LIMITER_WEIGHTS: a caller of weight 3 gets three turns for each of another caller\'s' },
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: { file: 'test/plugins/under-pressure.test.ts', test: 'PRESSURE_MAX_EVENT_LOOP_DELAY_MS: a saturated loop refuses new requests with 503 in the error schema; /health and /metrics answer; it serves again once the loop recovers' },
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: { file: 'test/plugins/under-pressure.test.ts', test: 'PRESSURE_MAX_EVENT_LOOP_UTILIZATION refuses on a busy loop; both thresholds 0: nothing is refused, however saturated the loop' },
  SHUTDOWN_GRACE_MS: { file: 'test/plugins/lifecycle.test.ts', test: 'at the end of SHUTDOWN_GRACE_MS the work in flight is aborted and still answered' },
  BATCH_MAX_ITEMS: { file: 'test/routes/api/batch.test.ts', test: 'request-level problems are 4xx with the error schema naming the field' },
  BATCH_CONCURRENCY: { file: 'test/mcp/batch.test.ts', test: 'a partly failed batch: the summary names each failed id, its category and what to do (resend the unprocessed ones)' },
  BATCH_TIMEOUT_MS: { file: 'test/config/effects.test.ts', test: 'BATCH_TIMEOUT_MS is the deadline of a batch whose body has no timeout_ms; timeout_ms overrides it' },
  BATCH_IDEMPOTENCY_TTL_MS: { file: 'test/config/effects.test.ts', test: 'BATCH_IDEMPOTENCY_TTL_MS: how long a batch update can be replayed by its Idempotency-Key' },
  BATCH_IDEMPOTENCY_MAX_ENTRIES: { file: 'test/config/idempotency-store.test.ts', test: 'BATCH_IDEMPOTENCY_MAX_ENTRIES: at most that many keys; the oldest result is forgotten (its key runs again), counted in /metrics' },
  BATCH_IDEMPOTENCY_MAX_BYTES: { file: 'test/config/idempotency-store.test.ts', test: 'BATCH_IDEMPOTENCY_MAX_BYTES: the store holds at most that much (estimated), whatever the number of keys' },
  JOB_MAX_ITEMS: { file: 'test/routes/api/jobs-suite.ts', test: 'size limits: BATCH_MAX_ITEMS for a request, JOB_MAX_ITEMS for a job' },
  JOB_RESULT_TTL_MS: { file: 'test/routes/api/jobs-suite.ts', test: 'JOB_RESULT_TTL_MS: a finished job is forgotten after it (404)' },
  JOB_STALL_INTERVAL_MS: { file: 'test/redis/jobs.test.ts', test: 'JOB_STALL_INTERVAL_MS: the lock of a running job lasts that long; an instance that shuts down hands its job over, and the other resumes it after its checkpoint, no write sent twice' },
  BODY_LIMIT_BYTES: { file: 'test/routes/api/batch.test.ts', test: 'request-level problems are 4xx with the error schema naming the field' },
  JSON_MAX_DEPTH: { file: 'test/reliability/depth.test.ts', test: 'JSON_MAX_DEPTH: the limit of bodies and of upstream answers' },
  HEADERS_TIMEOUT_MS: { file: 'test/reliability/connections.test.ts', test: 'HEADERS_TIMEOUT_MS: a connection that sends nothing, or never ends its headers, gets 408 in the error schema and is closed' },
  KEEP_ALIVE_TIMEOUT_MS: { file: 'test/reliability/connections.test.ts', test: 'KEEP_ALIVE_TIMEOUT_MS: a connection idle after its response is closed' },
  MAX_CONNECTIONS: { file: 'test/reliability/connections.test.ts', test: 'MAX_CONNECTIONS: beyond it a new connection is closed at once, and a warning says why; a freed place is taken again' },
  ALLOWED_HOSTS: { file: 'test/reliability/rebinding.test.ts', test: 'PUBLIC_BASE_URL\'s host and ALLOWED_HOSTS are names of the gateway' },
  MCP_RESULT_MAX_CHARS: { file: 'test/mcp/results.test.ts', test: 'MCP_RESULT_MAX_CHARS: lists, calendars and conversations are cut to fit, a batch keeps every item and leaves out the data of its last successes' },
  MCP_ALLOWED_ORIGINS: { file: 'test/mcp/auth.test.ts', test: 'MCP_ALLOWED_ORIGINS: its origins may call /mcp besides loopback; entries that are not origins stop the start' },
  PUBLIC_BASE_URL: { file: 'test/openapi.test.ts', test: 'servers: PUBLIC_BASE_URL when set (it takes effect), else the address the gateway listens on' },
  REDIS_URL: { file: 'test/redis/config.test.ts', test: 'without REDIS_URL nothing is shared (fastify.redis is null); with it, the budget keys carry the account and the egress id (default: the host name)' },
  REDIS_TIMEOUT_MS: { file: 'test/redis/outage.test.ts', test: 'a frozen Redis: commands time out after REDIS_TIMEOUT_MS, then fail fast until it answers again' },
  AUDIT_LOG: { file: 'test/routes/audit.test.ts', test: 'AUDIT_LOG: audit lines are appended to the file it names, whatever LOG_LEVEL says; a path that cannot be written stops the start' },
  HOSTAWAY_EGRESS_ID: { file: 'test/redis/config.test.ts', test: 'without REDIS_URL nothing is shared (fastify.redis is null); with it, the budget keys carry the account and the egress id (default: the host name)' },
  SANDBOX_ACCOUNT_ID: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' },
  SANDBOX_API_KEY: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' },
  SANDBOX_RATE_WINDOW_MS: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' },
  SANDBOX_SEED: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' },
  SANDBOX_LISTING_COUNT: { file: 'test/reliability/server.test.ts', test: 'HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable' }
}

/** The variables named in the first column of docs/configuration.md's table. */
function readmeVariables (): string[] {
  const readme = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Configuration\n'))
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('\n| variable |')))
  return table.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]))
}

/** Escape a test title for a search in its source, quoted as the file writes it. */
const quoted = (title: string) => [`'${title.replace(/'/g, "\\'")}'`, `"${title}"`, `\`${title}\``]

t.test('docs/configuration.md\'s table and schemas/config.ts name the same variables', async (t) => {
  const documented = readmeVariables()
  t.ok(documented.length >= 40, `${documented.length} variables read from the table`)
  t.same([...new Set(documented)].sort(), Object.keys(ConfigSchema.properties).sort())
})

t.test('every variable of docs/configuration.md names a test that changes it and asserts the effect', async (t) => {
  const sources = new Map<string, string>()
  for (const variable of readmeVariables()) {
    const effect = EFFECTS[variable]
    if (effect === undefined) {
      t.fail(`${variable}: no test named in EFFECTS`)
      continue
    }
    if (!sources.has(effect.file)) sources.set(effect.file, readFileSync(join(ROOT, effect.file), 'utf8'))
    const source = sources.get(effect.file) as string
    const at = Math.max(...quoted(effect.test).map((q) => source.indexOf(q)))
    t.ok(at >= 0, `${variable}: ${effect.file} has the test "${effect.test}"`)
    t.ok(source.includes(variable), `${variable}: ${effect.file} sets it${effect.note === undefined ? '' : ` (${effect.note})`}`)
  }
  t.same(Object.keys(EFFECTS).filter((v) => !readmeVariables().includes(v)), [], 'no stale rows')
})
