import type { Scope } from '../auth.js'
import type { CallerContext, Operations } from '../operations.js'
import { byDeadline } from './tool.js'

/**
 * A resource template of the MCP endpoint: one record per URI (`hostaway://listings/{id}`), read
 * through the same operation as the tool (cache, rate limiter, secrets by scope), every field of it.
 */
export interface McpResource {
  name: string
  title: string
  uriTemplate: string
  description: string
  scope: Scope
  read: (id: number, ctx: CallerContext) => Promise<object>
}

export function createMcpResources ({ operations, requestTimeoutMs }: { operations: Operations, requestTimeoutMs: number }): McpResource[] {
  const single = async <R>(ctx: CallerContext, run: (ctx: CallerContext) => Promise<R>) => await byDeadline(ctx, requestTimeoutMs, run)
  return [
    {
      name: 'listing',
      title: 'A listing',
      uriTemplate: 'hostaway://listings/{id}',
      description: 'One property (Hostaway listing) by id, every field, as JSON: what get_listing returns.',
      scope: 'read',
      read: (id, ctx) => single(ctx, (c) => operations.getListing(id, c))
    },
    {
      name: 'booking',
      title: 'A booking',
      uriTemplate: 'hostaway://bookings/{id}',
      description: 'One reservation (booking) by id, every field, as JSON: what get_booking returns.',
      scope: 'read',
      read: (id, ctx) => single(ctx, (c) => operations.getBooking(id, c))
    }
  ]
}
