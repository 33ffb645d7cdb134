import type { OperationResult } from '../../schemas/batch.js'
import { FINAL_STATUSES } from '../../schemas/job.js'
import { luaScript, type RedisConnection } from '../redis/connection-api.js'
import type { AccountKeys } from '../redis/keys.js'
import type { JobPatch, JobRecord, JobStore } from './model.js'

/**
 * The jobs of every instance on one Redis. A job is a hash (`job:<id>`): each JobRecord field as
 * JSON under its name (so that a cancel and the runner's updates never overwrite each other), and
 * `#run` (the token of the run that claimed it last), `#idem` (its Idempotency-Key); beside it
 * `:items` (the finished items in the order they finished, JSON), `:done` (their indexes),
 * `:counts` and `:started` (the writes recorded before they were sent). Once it ended they all
 * expire JOB_RESULT_TTL_MS later.
 */

/** Suffixes of a job's keys besides its hash. */
const PARTS = [':items', ':done', ':counts', ':started'] as const

/**
 * A new job, unless its Idempotency-Key (KEYS 3, '' for none) already points to a job that is
 * still there: then that job's id and fingerprint. KEYS job hash, owner's zset, idempotency key;
 * ARGV id, created_at, fingerprint, then the hash's field/value pairs.
 */
const CREATE = luaScript(`
if KEYS[3] ~= '' then
  local held = redis.call('GET', KEYS[3])
  if held then
    local sep = string.find(held, ' ', 1, true)
    local id = string.sub(held, 1, sep - 1)
    if redis.call('EXISTS', string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1]) .. id) == 1 then return {id, string.sub(held, sep + 1)} end
  end
  redis.call('SET', KEYS[3], ARGV[1] .. ' ' .. ARGV[3])
  redis.call('HSET', KEYS[1], '#idem', KEYS[3])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return false
`)

/** Finished items, each kept once (by index). KEYS items, done, counts; ARGV triples index, success (1/0), JSON. */
const APPEND = luaScript(`
for i = 1, #ARGV, 3 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 2])
    redis.call('HINCRBY', KEYS[3], 'done', 1)
    redis.call('HINCRBY', KEYS[3], ARGV[i + 1] == '1' and 'success' or 'failure', 1)
  end
end
return 1
`)

/**
 * An item about to start: refused when another run claimed the job (ARGV 3, '' for no check);
 * else recorded as started when durable (ARGV 2 = '1'). KEYS job hash, started; ARGV index.
 * Answers {cancelled, lost}, 1 or 0 each.
 */
const START = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {1, 0} end
local cancelled = redis.call('HGET', KEYS[1], 'cancel_requested') == 'true' and 1 or 0
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], '#run') ~= ARGV[3] then return {cancelled, 1} end
if ARGV[2] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) end
return {cancelled, 0}
`)

/** A patch of a job that still exists; with ARGV 1 > 0 every key of the job expires that many ms later. KEYS the job's keys; ARGV ttl, pairs. */
const UPDATE = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if tonumber(ARGV[1]) > 0 then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[1]) end
  local idem = redis.call('HGET', KEYS[1], '#idem')
  if idem then redis.call('PEXPIRE', idem, ARGV[1]) end
end
return 1
`)

/** A run's claim of a job that still exists. KEYS job hash; ARGV token. */
const CLAIM = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], '#run', ARGV[1])
return 1
`)

export interface RedisJobStoreOptions {
  connection: Pick<RedisConnection, 'command' | 'script'>
  keys: Pick<AccountKeys, 'job' | 'jobsOf' | 'jobIdempotency'>
  /** JOB_RESULT_TTL_MS: how long a finished job is kept */
  ttlMs: number
}

/** The hash's field/value pairs of (part of) a record: each value as JSON. */
function fields (record: Partial<JobRecord>): string[] {
  return Object.entries(record).filter(([, v]) => v !== undefined).flatMap(([k, v]) => [k, JSON.stringify(v)])
}

/** An HGETALL reply: a flat array (RESP2) or a map (RESP3, node-redis' default). */
function pairs (reply: unknown): Map<string, string> {
  if (reply instanceof Map) return reply as Map<string, string>
  if (!Array.isArray(reply)) return new Map(Object.entries(reply ?? {}) as Array<[string, string]>)
  const map = new Map<string, string>()
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]))
  return map
}

export function createRedisJobStore ({ connection, keys, ttlMs }: RedisJobStoreOptions): JobStore {
  const hash = (id: string) => keys.job(id)
  const part = (id: string, suffix: typeof PARTS[number]) => `${keys.job(id)}${suffix}`

  async function read (id: string): Promise<JobRecord | undefined> {
    const all = pairs(await connection.command(['HGETALL', hash(id)]))
    if (!all.has('id')) return undefined
    const record: Record<string, unknown> = {}
    for (const [k, v] of all) if (!k.startsWith('#')) record[k] = JSON.parse(v)
    return record as unknown as JobRecord
  }

  return {
    async create (job, idempotency) {
      const idemKey = idempotency === undefined ? '' : keys.jobIdempotency(idempotency.key)
      const reply = await connection.script(CREATE, [hash(job.id), keys.jobsOf(job.owner), idemKey], [job.id, String(job.created_at), idempotency?.fingerprint ?? '', ...fields(job)])
      if (!Array.isArray(reply)) return { job, created: true }
      const [id, fingerprint] = reply as [string, string]
      if (fingerprint !== idempotency?.fingerprint) return 'mismatch'
      const held = await read(id)
      return held === undefined ? 'mismatch' : { job: held, created: false }
    },
    get: read,
    async list (owner, limit) {
      const ids = await connection.command(['ZREVRANGE', keys.jobsOf(owner), '0', String(limit * 2 - 1)]) as string[]
      const jobs: JobRecord[] = []
      const gone: string[] = []
      for (const id of ids) {
        const job = await read(id)
        if (job === undefined) gone.push(id)
        else if (jobs.length < limit) jobs.push(job)
      }
      // jobs that expired leave their id behind: dropped as they are met
      if (gone.length > 0) await connection.command(['ZREM', keys.jobsOf(owner), ...gone])
      return jobs
    },
    async update (id, patch: JobPatch) {
      const ends = patch.status !== undefined && FINAL_STATUSES.has(patch.status)
      await connection.script(UPDATE, [hash(id), ...PARTS.map((s) => part(id, s))], [String(ends ? ttlMs : 0), ...fields(patch)])
    },
    async claim (id, run) {
      await connection.script(CLAIM, [hash(id)], [run])
    },
    async start (id, index, durable, run) {
      const [cancelled, lost] = await connection.script(START, [hash(id), part(id, ':started')], [String(index), durable ? '1' : '0', run ?? '']) as [number, number]
      return { cancelled: cancelled === 1, lost: lost === 1 }
    },
    async owns (id, run) {
      return await connection.command(['HGET', hash(id), '#run']) === run
    },
    async release (id, index) {
      await connection.command(['SREM', part(id, ':started'), String(index)])
    },
    async started (id) {
      return (await connection.command(['SMEMBERS', part(id, ':started')]) as string[]).map(Number)
    },
    async append (id, results: ReadonlyArray<OperationResult<unknown>>) {
      if (results.length === 0) return
      const args = results.flatMap((r) => [String(r.index), r.success ? '1' : '0', JSON.stringify(r)])
      await connection.script(APPEND, [part(id, ':items'), part(id, ':done'), part(id, ':counts')], args)
    },
    async items (id, after, limit) {
      if (limit <= 0) return []
      const raw = await connection.command(['LRANGE', part(id, ':items'), String(after), String(after + limit - 1)]) as string[]
      return raw.map((r) => JSON.parse(r) as OperationResult<unknown>)
    },
    async counts (id) {
      const [done, success, failure] = await connection.command(['HMGET', part(id, ':counts'), 'done', 'success', 'failure']) as Array<string | null>
      return { done: Number(done ?? 0), success: Number(success ?? 0), failure: Number(failure ?? 0) }
    },
    // the connection is the app's (plugins/app/redis.ts), closed with it
    async close () {}
  }
}
