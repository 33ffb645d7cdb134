import { runGroup } from './groups.js'

await runGroup('03-top')
