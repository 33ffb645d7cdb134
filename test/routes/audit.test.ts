import { test } from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import App, { serverOptions } from '../../app.js'
import { AuditEntrySchema } from '../../schemas/audit.js'
import { idempotencyKeyHash } from '../../services/audit.js'
import { keyId } from '../../services/auth.js'
import { ConfigError, loadConfig } from '../../services/config.js'
import { build, sandbox } from '../helper.js'
import { serve } from '../mcp/helper.js'
import { sandboxUpstream } from '../fixtures/harness.js'

const KEY = 'audit-writer-key'

test('a PATCH batch with one failing item: one audit line per item, with names of fields, never their values or the key', async (t) => {
  const { app, audit } = await build(t, { API_KEYS: `${KEY}, reader:read` })
  const updates = [
    { listing_id: 3, price: 4321.5, minNights: 3 },
    { listing_id: 999999, cleaningFee: 87.25 },
    { listing_id: 5, minNights: 9, maxNights: 2 }
  ]
  const res = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'x-api-key': KEY, 'idempotency-key': 'audit-key-1' }, payload: { updates } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().success_count, 1)
  const lines = audit.entries()
  t.equal(lines.length, 3, 'one line per item')
  for (const line of lines) {
    const { time, hostname, msg, ...entry } = line
    t.ok(Value.Check(AuditEntrySchema, entry), `line ${String(entry.index)} has the documented shape`)
    t.match({ time, hostname, msg }, { time: /^\d{4}-\d\d-\d\dT/, hostname: /./, msg: 'listing update' })
  }
  const common = { audit: 'listing_update', request_id: res.headers['x-request-id'], key_id: keyId(KEY), idempotency_key_hash: idempotencyKeyHash('audit-key-1'), replayed: false }
  t.match(lines[0], { ...common, listing_id: 3, index: 0, fields: ['price', 'minNights'], outcome: 'success', error_type: null, attempts: 1 })
  t.match(lines[1], { ...common, listing_id: 999999, index: 1, fields: ['cleaningFee'], outcome: 'failure', error_type: 'not_found', attempts: 1 })
  t.match(lines[2], { ...common, listing_id: 5, index: 2, fields: ['minNights', 'maxNights'], outcome: 'failure', error_type: 'validation_error', attempts: 0 })
  for (const secret of [KEY, 'audit-key-1', '4321.5', '87.25']) t.notOk(audit.text.includes(secret), `no line carries ${secret}`)

  const replay = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'x-api-key': KEY, 'idempotency-key': 'audit-key-1' }, payload: { updates } })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  const replayed = audit.entries().slice(3)
  t.equal(replayed.length, 3, 'a replay is audited too')
  t.match(replayed, [{ listing_id: 3, replayed: true, outcome: 'success', request_id: replay.headers['x-request-id'] }, { replayed: true, error_type: 'not_found' }, { replayed: true }])

  t.equal((await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'x-api-key': 'reader' }, payload: { updates } })).statusCode, 403)
  t.equal(audit.entries().length, 6, 'a refused request writes nothing')
  await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': KEY }, payload: { ids: [1] } })
  t.equal(audit.entries().length, 6, 'reads are not audited')
})

test('the MCP tool batch_update_listings is audited like the REST route', async (t) => {
  const { connect, audit } = await serve(t, { API_KEYS: KEY })
  const client = await connect({ headers: { 'x-api-key': KEY } })
  await client.callTool({ name: 'batch_update_listings', arguments: { updates: [{ listing_id: 2, price: 150 }], idempotency_key: 'mcp-key' } })
  t.match(audit.entries(), [{ listing_id: 2, fields: ['price'], outcome: 'success', key_id: keyId(KEY), idempotency_key_hash: idempotencyKeyHash('mcp-key'), request_id: /./ }])
})

test('AUDIT_LOG: audit lines are appended to the file it names, whatever LOG_LEVEL says; a path that cannot be written stops the start', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'audit-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'audit.log')
  t.throws(() => loadConfig({ AUDIT_LOG: join(dir, 'missing', 'audit.log') }), new ConfigError(`Invalid configuration: AUDIT_LOG ${join(dir, 'missing', 'audit.log')}: its directory does not exist (stdout, or a file path in a directory that exists)`))
  t.throws(() => loadConfig({ AUDIT_LOG: dir }), /AUDIT_LOG .* is not a regular file/)
  t.equal(loadConfig({}).AUDIT_LOG, 'stdout', 'stdout by default')

  const sb = await sandbox(t)
  const config = loadConfig({ AUDIT_LOG: file, LOG_LEVEL: 'silent', ...sandboxUpstream(sb), HOSTAWAY_TOKEN_SETTLE_MS: '20' })
  for (const price of [101, 102]) {
    // a new app each time: the file is appended to, not replaced
    const app = Fastify(serverOptions(config, { logger: false }))
    await app.register(fp(App), { config })
    await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 7, price }] } })
    await app.close()
  }
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(lines, [{ listing_id: 7, fields: ['price'], outcome: 'success' }, { listing_id: 7, outcome: 'success' }], 'both lines, with LOG_LEVEL=silent')
})
