import { runGroup } from './groups.js'

await runGroup('5-redis')
