import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

// The first half of `npm start` (then `node dist/server.js`): builds dist/ only when it is missing
// or older than a source it is built from (a rebuild costs seconds of CPU, tens under load).
// `npm run build` forces one. Several may run at once (`npm test` starts one beside the test
// processes, whose child servers run dist/ and check it first): one builds, the others wait for it
// and then find dist/ current.

const root = join(import.meta.dirname, '..')
const built = join(root, 'dist', 'server.js')
const lock = join(root, 'node_modules', '.cache', 'build-if-stale.lock')
const SOURCES = ['app.ts', 'server.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'plugins', 'routes', 'schemas', 'services', 'sandbox', 'lib']

/** The newest modification time (ms) of a file, or of the .ts/.json files under a folder. */
function newest (path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => /\.(ts|json)$/.test(name) || !name.includes('.') ? newest(join(path, name)) : 0))
}

function staleSources () {
  const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0
  return { builtAt, stale: SOURCES.filter((source) => newest(join(root, source)) > builtAt) }
}

/** Whether the process that holds the lock is gone (a build killed half-way leaves its lock). */
function abandoned () {
  try {
    process.kill(Number(readFileSync(join(lock, 'pid'), 'utf8')), 0)
    return false
  } catch (err) {
    // no pid file yet: its owner is between mkdir and write
    return err.code === 'ESRCH'
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

for (;;) {
  if (staleSources().stale.length === 0) process.exit(0)
  mkdirSync(join(lock, '..'), { recursive: true })
  try {
    mkdirSync(lock)
    break
  } catch (err) {
    if (err.code !== 'EEXIST') throw err
    if (abandoned()) rmSync(lock, { recursive: true, force: true })
    else sleep(200)
  }
}

try {
  writeFileSync(join(lock, 'pid'), String(process.pid))
  const { builtAt, stale } = staleSources()
  if (stale.length > 0) {
    process.stderr.write(builtAt === 0 ? 'building dist/ (first start)\n' : `rebuilding dist/: ${stale.map((s) => relative(root, join(root, s))).join(', ')} changed\n`)
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
    if (tsc.status !== 0) process.exitCode = tsc.status ?? 1
  }
} finally {
  rmSync(lock, { recursive: true, force: true })
}
