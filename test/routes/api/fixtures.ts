import type { Test } from 'tap'

export interface ErrorBody { statusCode: number, error: string, message: string, error_type?: string, request_id: string }

/** Asserts the documented error body: status, field-naming message, request id. */
export function isError (t: Test, res: { statusCode: number, json: () => unknown }, status: number, message?: RegExp): ErrorBody {
  t.equal(res.statusCode, status, `status ${status}`)
  const body = res.json() as ErrorBody
  t.equal(body.statusCode, status)
  t.type(body.error, 'string')
  t.type(body.request_id, 'string')
  if (message !== undefined) t.match(body.message, message)
  return body
}
