import { runGroup } from './groups.js'

await runGroup('13-services')
