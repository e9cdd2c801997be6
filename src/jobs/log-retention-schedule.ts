import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Logger } from '../logger.js';
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionInput } from '../activities/log-retention.js';

/**
 * Log retention runs on a Temporal Schedule rather than a timer in some process: it survives
 * restarts, shows in the Web UI, can be paused or triggered by hand, and with several workers
 * still runs once. Each worker start creates it, or updates it to the current retention and
 * task queue, so changing LOG_RETENTION_DAYS takes effect at the next start.
 */
export const LOG_RETENTION_SCHEDULE_ID = 'scimflow-log-retention';

export interface LogRetentionScheduleOptions {
  taskQueue: string;
  /** LOG_RETENTION_DAYS; 30 when not given */
  retentionDays?: number;
}

function scheduleOptions(options: LogRetentionScheduleOptions): ScheduleOptions {
  const input: LogRetentionInput = { retentionDays: options.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS };
  return {
    scheduleId: LOG_RETENTION_SCHEDULE_ID,
    // hourly: each run deletes an hour's worth, a short job, and retention holds to the hour
    spec: { intervals: [{ every: '1 hour' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'logRetention',
      workflowId: 'scimflow-log-retention',
      taskQueue: options.taskQueue,
      args: [input],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
}

/**
 * Creates or updates the schedule. A failure is logged, not thrown: the worker still serves
 * provisioning, and the next start tries again.
 */
export async function ensureLogRetentionSchedule(client: Client, options: LogRetentionScheduleOptions, logger: Logger): Promise<void> {
  const wanted = scheduleOptions(options);
  try {
    await createOrUpdate(client, wanted);
  } catch (err) {
    logger.error({ err, scheduleId: LOG_RETENTION_SCHEDULE_ID }, 'could not create or update the log retention schedule; old provisioning logs are not being deleted');
  }
}

async function createOrUpdate(client: Client, wanted: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(wanted);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(LOG_RETENTION_SCHEDULE_ID).update((current) => ({
      ...current, spec: wanted.spec, action: wanted.action, policies: { ...current.policies, ...wanted.policies },
    }));
  }
}
