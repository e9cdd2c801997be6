import { allHandlersFinished, condition, defineUpdate, setHandler } from '@temporalio/workflow';
import type { FinishedCycle } from '../activities/index.js';
import { activities } from './job-activities.js';
import type { Cycle } from '../provisioning/engine/context.js';

/**
 * A preview (api.md `POST /api/jobs/{id}/preview`): a dry-run full cycle on demand. Its own
 * workflow, beside the job's, because it changes nothing the job depends on — the SCIM client
 * records instead of sending and the store drops writes — so it needs no place in the job's
 * state machine and can run while the job is paused or mid-cycle.
 */
export const previewWorkflowId = (jobId: string, requestId: string) => `provisioning-preview-${jobId}-${requestId}`;

/** Answers once the cycle exists, with its id: the caller filters the log by it. */
export const previewStartedUpdate = defineUpdate<{ cycleId: string }>('previewStarted');

export async function previewCycle(input: { jobId: string }): Promise<FinishedCycle> {
  let cycle: Cycle | null = null;
  setHandler(previewStartedUpdate, async () => {
    await condition(() => cycle !== null);
    return { cycleId: cycle!.id };
  });
  const begun = await activities.beginCycle({ jobId: input.jobId, dryRun: true });
  cycle = begun.cycle;
  let cursor = begun.cursor as typeof begun.cursor | null;
  while (cursor) cursor = (await activities.syncPages({ jobId: input.jobId, cycle, cursor })).cursor;
  const finished = await activities.finishCycle({ jobId: input.jobId, cycle });
  await condition(allHandlersFinished);
  return finished;
}
