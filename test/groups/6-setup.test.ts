import { runGroup } from './groups.js'

await runGroup('6-setup')
