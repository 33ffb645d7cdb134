import { runGroup } from './groups.js'

await runGroup('02-mcp')
