import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities, NotifyInput } from './activities.js';

const notifications = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * Workflow side of notifications: called with each state the job records. Every event
 * concerns a quarantine (events.ts), so a job without one — the everyday cycle — costs no
 * activity. A mail server or receiver that stays down must not hold the job back; what was
 * not delivered stays pending and goes out with the job's next notify.
 */
export async function announce(input: NotifyInput): Promise<void> {
  if (!input.quarantine) return;
  try {
    await notifications.notify(input);
  } catch {
    // the event is stored and marked unsent (see activities.ts); nothing for the job to do
  }
}
