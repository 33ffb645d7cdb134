import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { written } from '../after-write.js'
import { envelope, single } from '../envelope.js'
import { ConversationOut, ConversationsQuerySchema, Fail, IdParams, MessageBodySchema, MessageOut, MessageParams, MessagesQuerySchema, responses } from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['conversations']

/** /v1/conversations, /v1/conversations/:id and its messages. */
const conversationRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store, stats } = state

  fastify.get('/conversations', {
    schema: { tags, summary: 'Retrieve a conversations list (reservationId filters)', operationId: 'listConversations', querystring: ConversationsQuerySchema, response: responses(Type.Array(ConversationOut)) }
  }, async (request) => envelope(store.listConversations(request.query)))

  fastify.get('/conversations/:id', {
    schema: { tags, summary: 'Retrieve a conversation', operationId: 'getConversation', params: IdParams, response: responses(ConversationOut) }
  }, async (request) => single(store.getConversation(request.params.id)))

  fastify.get('/conversations/:id/messages', {
    schema: { tags, summary: 'Retrieve conversation messages (oldest first)', operationId: 'listMessages', params: IdParams, querystring: MessagesQuerySchema, response: responses(Type.Array(MessageOut)) }
  }, async (request) => envelope(store.listMessages(request.params.id, request.query)))

  fastify.get('/conversations/:id/messages/:messageId', {
    schema: { tags, summary: 'Retrieve a conversation message', operationId: 'getMessage', params: MessageParams, response: responses(MessageOut) }
  }, async (request) => single(store.getMessage(request.params.id, request.params.messageId)))

  fastify.post('/conversations/:id/messages', {
    schema: { tags, summary: 'Send a conversation message (no de-duplication: a repeated POST is a second message)', operationId: 'sendMessage', params: IdParams, body: MessageBodySchema, response: { ...responses(MessageOut), 500: Fail } }
  }, async (request, reply) => {
    const message = store.addMessage(request.params.id, request.body)
    stats.messageSent(message.conversationId, message.body)
    return written(state, 'message', request, reply, single(message))
  })
}

export default conversationRoutes
