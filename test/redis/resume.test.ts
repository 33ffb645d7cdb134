import t from 'tap'
import { disconnectThenResume } from '../reliability/resume.js'
import { redisSkip, startRedis } from './server.js'

t.test('a client that left a keyed batch update and sends it again: the items never sent run, the others keep their result (Redis store)', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  await disconnectThenResume(t, { REDIS_URL: redis.url, HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250' })
})
