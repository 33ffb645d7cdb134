import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// `npm test`: the type check, lint and the build of dist/ (which the tests' child servers run) beside
// tap, whose runs wait on timers and child processes for part of their time (the checks' output is
// printed when each ends; any failure fails the run), and tap — with the Redis tests (test/redis: each file starts its own redis-server) left
// out, said in one line, on a machine without redis-server; unless CI=true (`.ci/run`), where a
// missing redis-server fails the run. Arguments go to tap (`npm test -- test/app.test.ts`).

const root = join(import.meta.dirname, '..')
const args = process.argv.slice(2)
const hint = 'install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)'
const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0

if (!hasRedis) {
  if (process.env.CI === 'true') {
    process.stderr.write(`CI=true: the Redis tests need redis-server, which is not installed: ${hint}\n`)
    process.exit(1)
  }
  process.stdout.write(`Redis tests (test/redis) skipped: redis-server is not installed; to run them, ${hint}\n`)
  args.unshift(
    '--exclude=**/@(fixture*(s)|dist)/**', '--exclude=test/redis/**', '--exclude=test/groups/*redis*.test.ts',
    // the Redis-only modules are exercised by those tests: not held to the coverage thresholds without them
    '--coverage-exclude=test/**', '--coverage-exclude=bench/**', '--coverage-exclude=services/redis/**'
  )
}

const tapBin = join(root, 'node_modules', '.bin', 'tap')

// tap builds its test class from the plugins configured in package.json, but a fresh `npm ci` has
// the default set, with @tapjs/typescript, which this project leaves out (tsx compiles the tests).
// tap rebuilds only once the run's test processes have been started, so the first run after an
// install would load ts-node's loader in every test file (about 1.6 s more CPU each): build it
// before tap starts, beside the checks.
let built = ''
try {
  built = readFileSync(join(root, 'node_modules', '@tapjs', 'test', 'test-built', 'dist', 'esm', 'index.js'), 'utf8')
} catch {}
const tapBuildNeeded = built.includes('@tapjs/typescript')

/** A check (`command`, reported as `name`), its output kept until it ends; resolves to whether it passed. */
function check (name, command) {
  const started = Date.now()
  const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const output = []
  child.stdout.on('data', (d) => output.push(d))
  child.stderr.on('data', (d) => output.push(d))
  return new Promise((resolve) => child.on('close', (code) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    process.stdout.write(code === 0 ? `# ${name}: passed in ${seconds} s\n` : `${Buffer.concat(output)}\n${name}: FAILED (exit ${code}) after ${seconds} s\n`)
    resolve(code === 0)
  }))
}

const children = []
// Ctrl-C reaches every child with the process group; a SIGTERM to this process alone is passed on
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => { for (const child of children) child.kill(signal) })
// dist/, which the tests' child servers run as `npm start` does: built before tap starts (beside the
// checks, which keep both cores busy meanwhile) unless current, so that no test process checks it again
const build = check('build dist/ if stale', [process.execPath, join(root, 'scripts', 'build-if-stale.mjs')])
const checks = Promise.all([
  check('npm run typecheck', ['npm', 'run', '-s', 'typecheck']),
  check('npm run lint', ['npm', 'run', '-s', 'lint']),
  build
])
const tapBuilt = tapBuildNeeded ? check('tap build (its test class with the configured plugins, once after an install)', [tapBin, 'build']) : true
if (!(await tapBuilt)) {
  for (const child of children) child.kill()
  process.exit(1)
}
const distCurrent = await build
const tap = spawn(tapBin, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...(distCurrent ? { TEST_DIST_CURRENT: '1' } : {}) } })
children.push(tap)
tap.on('exit', async (code) => {
  const passed = (await checks).every(Boolean)
  if (!passed) process.stdout.write('npm test: FAILED: a check above failed\n')
  process.exit(passed ? (code ?? 1) : 1)
})
