import { runGroup } from './groups.js'

await runGroup('1-reliability-shutdown')
