import { proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../activities/index.js';

/**
 * The activities as the job and preview workflows call them. A cycle's steps give up after a
 * few minutes of failing, and the job is quarantined (Unknown) rather than stuck.
 */
export const activities = proxyActivities<JobActivities>({
  startToCloseTimeout: '10 minutes',
  // a page heartbeats in seconds; a worker that died is noticed this soon and its page retried elsewhere
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * The job's own bookkeeping (its row's copy of the state, closing a cycle, pruning escrows):
 * idempotent database writes retried until the database is back, since the workflow has no
 * better answer to their failure than waiting.
 */
export const bookkeeping = proxyActivities<Pick<JobActivities, 'recordState' | 'closeCycle' | 'pruneEscrows'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
