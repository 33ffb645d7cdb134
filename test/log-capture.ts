import { Writable } from 'node:stream'

/** Log lines captured in memory, to assert on what was (and was not) logged. */
export class LogCapture extends Writable {
  lines: string[] = []
  override _write (chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean))
    cb()
  }

  get text (): string { return this.lines.join('\n') }
  entries (): Array<Record<string, unknown>> { return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>) }
}
