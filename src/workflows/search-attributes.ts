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

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
