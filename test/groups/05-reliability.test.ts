import { runGroup } from './groups.js'

await runGroup('05-reliability')
