// Preloaded (`node --import ./bench/memory-probe.mjs dist/server.js`) into the gateway as `npm start`
// runs it — compiled, plain node, no tsx — so that the memory section measures that process and not
// a TypeScript loader (tsx alone adds ~37 MB of RSS). It tells the parent the port the server
// listens on and answers the same IPC commands as bench/gateway.ts: `memory` (after a full
// collection with `gc`: the process runs with --expose-gc) and `close`.
import { subscribe } from 'node:diagnostics_channel'

let told = false
subscribe('tracing:net.server.listen:asyncEnd', ({ server }) => {
  const address = server.address()
  if (told || typeof address !== 'object' || address === null) return
  told = true
  process.send?.({ ready: true, port: address.port })
})

process.on('message', (message) => {
  if (message.cmd === 'memory') {
    if (message.gc === true) globalThis.gc?.()
    const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
    process.send?.({ memory: { rss, heapTotal, heapUsed, external } })
  }
  // the server's own shutdown (close-with-grace on SIGTERM), as in production
  if (message.cmd === 'close') process.kill(process.pid, 'SIGTERM')
})
// the IPC channel must not keep the process alive once the server has closed
process.channel?.unref()
