import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

// The first half of `npm start` (then `node dist/server.js`): builds dist/ only when it is missing
// or older than a source it is built from (a rebuild costs seconds of CPU, tens under load).
// `npm run build` forces one.

const root = join(import.meta.dirname, '..')
const built = join(root, 'dist', 'server.js')
const SOURCES = ['app.ts', 'server.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'plugins', 'routes', 'schemas', 'services', 'sandbox']

/** The newest modification time (ms) of a file, or of the .ts/.json files under a folder. */
function newest (path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => /\.(ts|json)$/.test(name) || !name.includes('.') ? newest(join(path, name)) : 0))
}

const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0
const stale = SOURCES.filter((source) => newest(join(root, source)) > builtAt)
if (stale.length > 0) {
  process.stderr.write(builtAt === 0 ? 'building dist/ (first start)\n' : `rebuilding dist/: ${stale.map((s) => relative(root, join(root, s))).join(', ')} changed\n`)
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
  if (tsc.status !== 0) process.exit(tsc.status ?? 1)
}
