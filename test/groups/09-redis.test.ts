import { runGroup } from './groups.js'

await runGroup('09-redis')
