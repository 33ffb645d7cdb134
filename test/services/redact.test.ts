import { test } from 'tap'
import { scrub } from '../../services/redact.js'

test('scrub removes bearer tokens, secrets in forms, JWTs and literal secrets', async (t) => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.SflKxwRJSMeKKF2QT4fwp'
  const text = `Authorization: Bearer abc.def-123 client_secret=s3cr3t&scope=general token: ${jwt} my-api-key-value`
  const out = scrub(text, ['my-api-key-value'])
  t.notMatch(out, /abc\.def-123/)
  t.notMatch(out, /s3cr3t/)
  t.notMatch(out, /eyJhbGci/)
  t.notMatch(out, /my-api-key-value/)
  t.match(out, /scope=general/, 'keeps what is not secret')
})
