import { runGroup } from './groups.js'

await runGroup('7-routes')
