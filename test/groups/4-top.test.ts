import { runGroup } from './groups.js'

await runGroup('4-top')
