import { runGroup } from './groups.js'

await runGroup('01-reliability-shutdown')
