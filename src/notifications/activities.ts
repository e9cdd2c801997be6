import { and, desc, eq, inArray, isNotNull, isNull, or } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { notificationsSent } from '../db/notifications.js';
import { provisioningJobs } from '../db/provisioning.js';
import { provisioningConfigSchema } from '../provisioning/config.js';
import { createMailer, type Mailer, type SmtpSettings } from './email.js';
import { emailOf, eventOf, payloadOf, type NotificationPayload, type RecordedJobState } from './events.js';
import { deliverWebhook, type WebhookSettings } from './webhook.js';

/**
 * The `notify` activity the job workflow calls whenever it records a new state. Exactly once
 * per event across retries and continue-as-new: the event is first stored under its
 * idempotency key (a unique index; a second insert does nothing), then each channel still
 * unsent is delivered and marked. A failed delivery leaves its mark unset, so the retry — or
 * the job's next notify, if the retries ran out — sends it then. A crash between a delivery
 * and its mark can repeat that one delivery: receivers get a stable delivery id (webhook
 * header, email Message-ID) to drop it.
 */

export interface NotifierSettings {
  /** null: no email is sent */
  smtp: SmtpSettings | null;
  /** null: no webhook is called */
  webhook: WebhookSettings | null;
}

export interface NotifyInput extends RecordedJobState {
  jobId: string;
}

const QUARANTINE_ANNOUNCEMENTS = ['QuarantineStarted', 'QuarantineReasonChanged'];

export function createNotificationActivities(deps: { db: Database; settings: NotifierSettings }) {
  const { db, settings } = deps;
  let mailer: Mailer | null = null;
  const mail = () => (mailer ??= createMailer(settings.smtp!));

  async function record(input: NotifyInput): Promise<void> {
    const q = input.quarantine;
    const [job] = await db.select({ id: provisioningJobs.id, name: provisioningJobs.name, config: provisioningJobs.config })
      .from(provisioningJobs).where(eq(provisioningJobs.id, input.jobId));
    if (!job || !q) return;
    const [announced] = await db.select({ reason: notificationsSent.reason }).from(notificationsSent)
      .where(and(eq(notificationsSent.jobId, input.jobId), eq(notificationsSent.series, q.seriesBegan), inArray(notificationsSent.kind, QUARANTINE_ANNOUNCEMENTS)))
      .orderBy(desc(notificationsSent.createdAt)).limit(1);
    const event = eventOf(input, announced ? { reason: announced.reason ?? '' } : null);
    if (!event) return;
    const id = crypto.randomUUID();
    const email = provisioningConfigSchema.parse(job.config).notificationEmail;
    await db.insert(notificationsSent).values({
      id, jobId: input.jobId, eventKey: event.key, kind: event.kind, series: event.series, reason: event.reason,
      payload: { ...payloadOf(id, event, { id: job.id, name: job.name }, input, new Date()) },
      emailTo: settings.smtp && email ? email : null,
      webhookUrl: settings.webhook?.url ?? null,
    }).onConflictDoNothing();
  }

  async function deliverPending(jobId: string): Promise<void> {
    const pending = await db.select().from(notificationsSent).where(and(
      eq(notificationsSent.jobId, jobId),
      or(
        and(isNotNull(notificationsSent.emailTo), isNull(notificationsSent.emailSentAt)),
        and(isNotNull(notificationsSent.webhookUrl), isNull(notificationsSent.webhookSentAt)),
      ),
    )).orderBy(notificationsSent.createdAt);
    for (const row of pending) {
      const payload = row.payload as unknown as NotificationPayload;
      if (row.emailTo && !row.emailSentAt && settings.smtp) {
        await mail().send({ to: row.emailTo, messageId: `<${row.id}@scimflow>`, ...emailOf(payload) });
        await db.update(notificationsSent).set({ emailSentAt: new Date() }).where(eq(notificationsSent.id, row.id));
      }
      // a delivery goes to the URL chosen when the event happened, signed with today's secret
      if (row.webhookUrl && !row.webhookSentAt && settings.webhook) {
        await deliverWebhook({ url: row.webhookUrl, secret: settings.webhook.secret }, { id: row.id, event: row.kind, body: JSON.stringify(payload) }, new Date());
        await db.update(notificationsSent).set({ webhookSentAt: new Date() }).where(eq(notificationsSent.id, row.id));
      }
    }
  }

  return {
    async notify(input: NotifyInput): Promise<void> {
      await record(input);
      await deliverPending(input.jobId);
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
