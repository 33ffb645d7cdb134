import { runGroup } from './groups.js'

await runGroup('08-api')
