import { runGroup } from './groups.js'

await runGroup('11-hostaway')
