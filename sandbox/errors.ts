/** Hostaway's documented 429 body text. */
export const RATE_LIMIT_MESSAGE = 'This error occurs because a server detects that your application has exceeded the rate limits or has made too many requests in a given period of time.'

export interface FailBody {
  status: 'fail'
  message: string
}

export function failBody (message: string): FailBody {
  return { status: 'fail', message }
}

/** Thrown by handlers and state; the error handler answers `statusCode` with `{ status: 'fail', message }`. */
export class SandboxError extends Error {
  readonly statusCode: number

  constructor (statusCode: number, message: string) {
    super(message)
    this.name = 'SandboxError'
    this.statusCode = statusCode
  }
}

export const notFound = (what: string) => new SandboxError(404, `${what} not found`)
export const badRequest = (message: string) => new SandboxError(400, message)
