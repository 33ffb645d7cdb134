import { runGroup } from './groups.js'

await runGroup('10-routes')
