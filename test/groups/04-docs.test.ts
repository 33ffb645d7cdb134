import { runGroup } from './groups.js'

await runGroup('04-docs')
