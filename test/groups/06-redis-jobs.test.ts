import { runGroup } from './groups.js'

await runGroup('06-redis-jobs')
