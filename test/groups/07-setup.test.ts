import { runGroup } from './groups.js'

await runGroup('07-setup')
