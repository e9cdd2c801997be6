import { pgTable, uuid, text, jsonb, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { provisioningJobs } from './provisioning.js';

/**
 * Operator notifications (src/notifications): one row per event of a job, unique by the
 * event's idempotency key, so a retried activity or a workflow that continued as new never
 * announces the same quarantine twice. Each channel is marked sent on its own, so a retry
 * re-sends only what failed.
 */
export const notificationsSent = pgTable('notifications_sent', {
  id: uuid('id').primaryKey().defaultRandom(),
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  /** e.g. `QuarantineStarted:<seriesBegan>`: what makes two announcements the same event */
  eventKey: text('event_key').notNull(),
  kind: text('kind').notNull(),
  /** the quarantine series the event belongs to (its seriesBegan), to tell a reason change */
  series: text('series'),
  reason: text('reason'),
  payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
  /** null when no email was wanted (no address on the job, or no SMTP configured) */
  emailTo: text('email_to'),
  emailSentAt: timestamp('email_sent_at', { withTimezone: true, precision: 3 }),
  /** null when no webhook was configured */
  webhookUrl: text('webhook_url'),
  webhookSentAt: timestamp('webhook_sent_at', { withTimezone: true, precision: 3 }),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [uniqueIndex('notifications_sent_job_event').on(t.jobId, t.eventKey)]);
