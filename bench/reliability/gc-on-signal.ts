// Preloaded into the gateway of bench/reliability/idempotency-memory.ts (node --expose-gc): a full
// garbage collection on SIGWINCH, so that the RSS sampled next shows what the process keeps rather
// than the garbage of the last requests. Bench only; the gateway itself never does this. SIGWINCH:
// ignored by default, and not one of the signals server.ts (close-with-grace) shuts down on.
process.on('SIGWINCH', () => {
  (globalThis as { gc?: () => void }).gc?.()
})
