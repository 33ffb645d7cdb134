import { setTimeout as delay } from 'node:timers/promises'

/** The rejection of an aborted wait: the signal's reason when it is an Error, else an AbortError. */
export function abortReason (signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  const err = new Error('The operation was aborted')
  err.name = 'AbortError'
  return err
}

/**
 * Why a signal aborted, in words a caller can read: the reason's message when it is one of ours
 * (e.g. "the batch deadline of 300 ms passed"), else "aborted".
 */
export function abortMessage (signal: AbortSignal): string {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.name !== 'TimeoutError' && reason.message !== '') return reason.message
  return 'aborted'
}

/** An Error to abort a controller with, whose message says why (see abortMessage). */
export function abortError (message: string): Error {
  const err = new Error(message)
  err.name = 'Aborted'
  return err
}

/** The abort reason of a request's work when its client went away: its response has no one to go to. */
export class ClientGone extends Error {
  constructor () {
    super('the client disconnected')
    this.name = 'ClientGone'
  }
}

/** Whether `signal` aborted because the client went away (a ClientGone reason). */
export function clientGone (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof ClientGone
}

/** Wait `ms`, rejecting (and clearing the timer) when the signal aborts. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) throw abortReason(signal)
  if (ms <= 0) return
  try {
    await delay(ms, undefined, { signal })
  } catch (err) {
    // the only way this timer rejects is the signal
    throw signal === undefined ? err : abortReason(signal)
  }
}

/** Settle with `promise`, or reject as soon as `signal` aborts (the promise itself goes on). */
export function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
  })
}

/**
 * A signal aborting when either input aborts, with that input's reason. `dispose` detaches the
 * listeners, so a long-lived signal (the caller's close signal) does not gain one listener per call.
 */
export function linkSignals (a: AbortSignal, b?: AbortSignal): { signal: AbortSignal, dispose: () => void } {
  if (b === undefined) return { signal: a, dispose () {} }
  const controller = new AbortController()
  if (a.aborted || b.aborted) {
    controller.abort(a.aborted ? a.reason : b.reason)
    return { signal: controller.signal, dispose () {} }
  }
  const onA = () => controller.abort(a.reason)
  const onB = () => controller.abort(b.reason)
  a.addEventListener('abort', onA, { once: true })
  b.addEventListener('abort', onB, { once: true })
  return {
    signal: controller.signal,
    dispose () {
      a.removeEventListener('abort', onA)
      b.removeEventListener('abort', onB)
    }
  }
}
