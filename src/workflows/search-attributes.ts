import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes the job workflow keeps current, so the Temporal Web UI lists and
 * filters jobs by id, state and the kind of cycle running. Registered by the dev server's
 * flags and, on other clusters, by the worker at start-up (src/jobs/temporal.ts).
 */
export const SEARCH_ATTRIBUTES = {
  ProvisioningJobId: 'Keyword',
  ProvisioningState: 'Keyword',
  ProvisioningCycle: 'Keyword',
} as const;

export const jobIdKey = defineSearchAttributeKey('ProvisioningJobId', SearchAttributeType.KEYWORD);
export const stateKey = defineSearchAttributeKey('ProvisioningState', SearchAttributeType.KEYWORD);
/** the kind of the cycle running (initial, incremental, preview), or none */
export const cycleKey = defineSearchAttributeKey('ProvisioningCycle', SearchAttributeType.KEYWORD);
