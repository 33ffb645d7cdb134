import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { envelope, single } from '../envelope.js'
import { ConversationOut, ConversationsQuerySchema, IdParams, MessageBodySchema, MessageOut, MessagesQuerySchema, responses } from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['conversations']

/** /v1/conversations and /v1/conversations/:id/messages. */
const conversationRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store, stats } = state

  fastify.get('/conversations', {
    schema: { tags, summary: 'Retrieve a conversations list', operationId: 'listConversations', querystring: ConversationsQuerySchema, response: responses(Type.Array(ConversationOut)) }
  }, async (request) => envelope(store.listConversations(request.query)))

  fastify.get('/conversations/:id/messages', {
    schema: { tags, summary: 'Retrieve conversation messages (oldest first)', operationId: 'listMessages', params: IdParams, querystring: MessagesQuerySchema, response: responses(Type.Array(MessageOut)) }
  }, async (request) => envelope(store.listMessages(request.params.id, request.query)))

  fastify.post('/conversations/:id/messages', {
    schema: { tags, summary: 'Send a conversation message', operationId: 'sendMessage', params: IdParams, body: MessageBodySchema, response: responses(MessageOut) }
  }, async (request) => {
    const message = store.addMessage(request.params.id, request.body)
    stats.write()
    return single(message)
  })
}

export default conversationRoutes
