import { proxyActivities } from '@temporalio/workflow';
import type { LogRetentionActivities, LogRetentionInput, LogRetentionResult } from '../activities/log-retention.js';

/** One run of the `scimflow-log-retention` schedule: a single activity, retried until it gets through. */
const { deleteExpiredLogs } = proxyActivities<LogRetentionActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export async function logRetention(input: LogRetentionInput): Promise<LogRetentionResult> {
  return deleteExpiredLogs(input);
}
