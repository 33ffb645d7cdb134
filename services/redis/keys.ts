import type { Config } from '../../schemas/config.js'

/**
 * The Redis keys of one Hostaway account. Every key carries the account in a hash tag
 * (`hgw:{10000}:…`), so the keys one script touches live in one Redis Cluster slot.
 */
export function accountKeys (accountId: string) {
  const base = `hgw:{${accountId}}`
  return {
    /** sliding log of the account's upstream requests, all instances together */
    budgetAccount: `${base}:budget:account`,
    /** sliding log of the requests leaving through one egress IP (instances sharing HOSTAWAY_EGRESS_ID) */
    budgetEgress: (egressId: string) => `${base}:budget:ip:${egressId}`,
    /** the slots of a budget log (one of the two above) granted and not written yet (redis/budget.ts) */
    budgetPending: (logKey: string) => `${logKey}:pending`,
    /** since when (Redis time) the logs are complete: a Redis that lost them waits one window */
    budgetSince: `${base}:budget:since`,
    token: `${base}:token`,
    tokenLock: `${base}:token:lock`,
    cache: (key: string) => `${base}:cache:${key}`,
    /** how many cache invalidations the account has seen: what an instance holds is good while it is unchanged */
    cacheGeneration: `${base}:cache-generation`,
    /** a recent invalidation of a cache key: fills that may predate it are refused */
    fence: (key: string) => `${base}:fence:${key}`,
    idempotency: (key: string) => `${base}:idem:${key}`,
    /** the checkpoint of a key whose run was cut short (its finished items), resumed by the next claim */
    idempotencyCheckpoint: (key: string) => `${base}:idem-checkpoint:${key}`,
    /** a job (services/jobs/redis-store.ts): its record (a hash), its finished items, its started writes… */
    job: (id: string) => `${base}:job:${id}`,
    /** the jobs an API key created, by creation time */
    jobsOf: (owner: string) => `${base}:jobs-of:${owner}`,
    /** the job an Idempotency-Key of an async request created */
    jobIdempotency: (key: string) => `${base}:job-idem:${key}`,
    /** BullMQ's keys of the account's job queue (`<prefix>:jobs:…`, services/jobs/bullmq-runner.ts) */
    jobQueuePrefix: base
  }
}

export type AccountKeys = ReturnType<typeof accountKeys>

/** The keys of the configured account (HOSTAWAY_ACCOUNT_ID; `default` for the sandbox). */
export function accountKeysOf (config: Pick<Config, 'HOSTAWAY_ACCOUNT_ID'>): AccountKeys {
  return accountKeys(config.HOSTAWAY_ACCOUNT_ID ?? 'default')
}
