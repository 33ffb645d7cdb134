import { runGroup } from './groups.js'

await runGroup('12-sandbox')
