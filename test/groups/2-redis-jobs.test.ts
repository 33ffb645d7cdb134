import { runGroup } from './groups.js'

await runGroup('2-redis-jobs')
