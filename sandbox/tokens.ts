import { randomBytes } from 'node:crypto'

interface TokenRecord {
  accountId: string
  issuedAt: number
  expiresAt: number
  revoked: boolean
}

export type TokenCheck =
  | { ok: true, accountId: string }
  | { ok: false, message: string }

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/** Issued access tokens: opaque strings shaped like Hostaway's RS256 JWTs. */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>()

  constructor (
    private readonly ttlSeconds: number,
    private readonly settleMs: number,
    private readonly now: () => number = Date.now
  ) {}

  issue (accountId: string): { token: string, expiresIn: number } {
    const issuedAt = this.now()
    const jti = randomBytes(40).toString('hex')
    const iat = Math.floor(issuedAt / 1000)
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', jti }))
    const payload = b64url(JSON.stringify({
      aud: accountId, jti, iat, nbf: iat, exp: iat + this.ttlSeconds, sub: '', scopes: ['general']
    }))
    const token = `${header}.${payload}.${b64url(randomBytes(128))}`
    this.#tokens.set(token, { accountId, issuedAt, expiresAt: issuedAt + this.ttlSeconds * 1000, revoked: false })
    return { token, expiresIn: this.ttlSeconds }
  }

  /** Check an `Authorization` header value. */
  check (authorization: string | undefined): TokenCheck {
    if (authorization === undefined || authorization === '') return { ok: false, message: 'Authorization header is missing' }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (m === null) return { ok: false, message: 'Authorization header must be "Bearer <access token>"' }
    const record = this.#tokens.get(m[1])
    if (record === undefined) return { ok: false, message: 'Access token is invalid' }
    if (record.revoked) return { ok: false, message: 'Access token has been revoked' }
    const t = this.now()
    if (t >= record.expiresAt) return { ok: false, message: 'Access token has expired' }
    if (t < record.issuedAt + this.settleMs) return { ok: false, message: 'Access token is not valid yet' }
    return { ok: true, accountId: record.accountId }
  }

  accountOf (token: string): string | undefined {
    return this.#tokens.get(token)?.accountId
  }

  /** Revoke one token; false when it was never issued. */
  revoke (token: string): boolean {
    const record = this.#tokens.get(token)
    if (record === undefined) return false
    record.revoked = true
    return true
  }

  /** Revoke every token issued so far; returns how many were still usable. */
  revokeAll (): number {
    let n = 0
    for (const record of this.#tokens.values()) {
      if (!record.revoked) n++
      record.revoked = true
    }
    return n
  }
}
