import tap from 'tap'
import { serve } from '../reliability/helper.js'
import { jobRouteTests } from '../routes/api/jobs-suite.js'
import { redisSkip, startRedis } from './server.js'

// The jobs' routes (test/routes/api/jobs-suite.ts) with REDIS_URL: the jobs in Redis
// (services/jobs/redis-store.ts), run on BullMQ (services/jobs/bullmq-runner.ts).
tap.test('the jobs routes with the jobs in Redis, on BullMQ', { skip: redisSkip }, async (tap) => {
  jobRouteTests(tap, async (t, env = {}, sandboxOpts = {}) => {
    const redis = await startRedis(t)
    return await serve(t, { REDIS_URL: redis.url, HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250', REDIS_TIMEOUT_MS: '5000', ...env }, sandboxOpts)
  })
})
