import t from 'tap'
import { disconnectThenResume } from './resume.js'

t.test('a client that left a keyed batch update and sends it again: the items never sent run, the others keep their result (in-memory store)', async (t) => {
  await disconnectThenResume(t, {})
})
