import { test } from 'tap'
import { apiKeyOf, createApiKeyChecker, keyId, parseApiKeys, SCOPES } from '../../services/auth.js'
import { ConfigError, loadConfig } from '../../services/config.js'

test('the checker accepts only configured keys and tells who the caller is', async (t) => {
  const check = createApiKeyChecker(parseApiKeys('alpha, beta-key:read'))
  t.same([...(check('alpha')?.scopes ?? [])], [...SCOPES], 'a key without scopes has all of them')
  t.same([...(check('beta-key')?.scopes ?? [])], ['read'])
  t.equal(check('alpha')?.id, keyId('alpha'))
  t.not(check('alpha')?.id, check('beta-key')?.id)
  t.notMatch(check('alpha')?.id ?? '', /alpha/, 'the id is not the key')
  for (const wrong of ['alph', 'alpha ', 'beta-key:read', '', undefined]) t.equal(check(wrong), undefined, `${String(wrong)} is refused`)
})

test('API_KEYS entries: key or key:scope+scope', async (t) => {
  t.same(parseApiKeys(' a , b:read+write ,,c:secrets+read+read , d:messages '), [
    { key: 'a', scopes: ['read', 'write', 'secrets', 'metrics', 'messages'] },
    { key: 'b', scopes: ['read', 'write'] },
    { key: 'c', scopes: ['secrets', 'read'] },
    { key: 'd', scopes: ['messages'] }
  ])
  t.throws(() => parseApiKeys(' , ,'), /no key/)
  t.throws(() => parseApiKeys('k:admin'), /unknown scope "admin"/)
  t.throws(() => parseApiKeys(':read'), /no key/)
})

test('an API_KEYS that yields no key, or names an unknown scope, stops the start', async (t) => {
  t.throws(() => loadConfig({ API_KEYS: ' , ,' }), new ConfigError('Invalid configuration: API_KEYS no key in the list (entries: key or key:scope+scope)'))
  t.throws(() => loadConfig({ API_KEYS: 'good, bad:root' }), /API_KEYS unknown scope "root"/)
  t.equal(loadConfig({ API_KEYS: 'good, reader:read' }).API_KEYS, 'good, reader:read')
})

test('apiKeyOf: X-API-Key first, else a Bearer token', async (t) => {
  t.equal(apiKeyOf({ 'x-api-key': 'k1' }), 'k1')
  t.equal(apiKeyOf({ authorization: 'Bearer k2' }), 'k2')
  t.equal(apiKeyOf({ authorization: 'bearer   k3 ' }), 'k3', 'scheme is case-insensitive')
  t.equal(apiKeyOf({ 'x-api-key': 'k1', authorization: 'Bearer k2' }), 'k1')
  t.equal(apiKeyOf({ 'x-api-key': '', authorization: 'Bearer k2' }), 'k2')
  for (const authorization of ['Basic k4', 'Bearer', 'Bearer a b', 'k5']) t.equal(apiKeyOf({ authorization }), undefined, authorization)
  t.equal(apiKeyOf({}), undefined)
})
