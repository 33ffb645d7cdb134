import { runGroup } from './groups.js'

await runGroup('8-sandbox')
