import type { TSchema } from '@sinclair/typebox'
import type { Config } from './config.js'
import { ErrorResponseSchema, ErrorTypeSchema } from './common.js'
import { CalendarDaySchema, ListingSchema } from './listing.js'
import { BookingSchema } from './booking.js'
import { MessageSchema } from './message.js'
import { BookingPageSchema, CalendarDaysSchema, ListingPageSchema, MessageListSchema } from './page.js'
import {
  BatchListingUpdateBodySchema, BatchLookupBodySchema, PartialFailureResponseBookingSchema, PartialFailureResponseListingSchema
} from './batch.js'
import { HealthSchema, ReadySchema } from './health.js'
import { JobItemsPageSchema, JobListSchema, JobSchema, JobSummarySchema } from './job.js'
import { DryRunResponseSchema } from './dry-run.js'
import {
  BatchBookingUpdateBodySchema, BatchCalendarUpdateBodySchema, BatchMessagesBodySchema, CalendarUpdateResultSchema,
  MessageSendResultSchema, PartialFailureResponseCalendarSchema, PartialFailureResponseMessageSchema
} from './writes.js'
import { HostawayWebhookSchema, WebhookAckSchema } from './webhook.js'

/**
 * The registry: every named schema (`$id`) of the API, added once at the root by
 * plugins/app/schemas.ts. Routes refer to them with `Ref()` (or the batch `…Ref`s), and
 * @fastify/swagger turns each into a component named by its `$id`. The batch bodies are built
 * here because their size limit comes from BATCH_MAX_ITEMS.
 */
export function namedSchemas (config: Pick<Config, 'BATCH_MAX_ITEMS'> & Partial<Pick<Config, 'JOB_MAX_ITEMS'>>): TSchema[] {
  return [
    ErrorTypeSchema,
    ErrorResponseSchema,
    ListingSchema,
    CalendarDaySchema,
    BookingSchema,
    MessageSchema,
    ListingPageSchema,
    BookingPageSchema,
    CalendarDaysSchema,
    MessageListSchema,
    BatchLookupBodySchema(config.BATCH_MAX_ITEMS, config.JOB_MAX_ITEMS),
    BatchListingUpdateBodySchema(config.BATCH_MAX_ITEMS, config.JOB_MAX_ITEMS),
    PartialFailureResponseListingSchema,
    PartialFailureResponseBookingSchema,
    JobSummarySchema,
    JobSchema,
    JobItemsPageSchema,
    JobListSchema,
    BatchCalendarUpdateBodySchema,
    BatchMessagesBodySchema,
    BatchBookingUpdateBodySchema(config.BATCH_MAX_ITEMS, config.JOB_MAX_ITEMS),
    CalendarUpdateResultSchema,
    MessageSendResultSchema,
    PartialFailureResponseCalendarSchema,
    PartialFailureResponseMessageSchema,
    DryRunResponseSchema,
    HealthSchema,
    ReadySchema,
    HostawayWebhookSchema,
    WebhookAckSchema
  ]
}
