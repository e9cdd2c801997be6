import { proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../activities/index.js';

/** The activities as the job and preview workflows call them. */
export const activities = proxyActivities<JobActivities>({
  startToCloseTimeout: '10 minutes',
  // a page heartbeats in seconds; a worker that died is noticed this soon and its page retried elsewhere
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});
