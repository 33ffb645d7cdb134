import { runGroup } from './groups.js'

await runGroup('3-mcp')
