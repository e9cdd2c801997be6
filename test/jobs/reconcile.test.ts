import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobWorkflowId } from '../../src/workflows/ids.js';
import { provisioningJob } from '../../src/workflows/provisioning-job.js';
import { newJobMachine } from '../../src/workflows/job-machine.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/**
 * Start-up reconciliation: a job whose workflow Temporal lost (its database wiped) gets one
 * again, carrying on from the state the job row last recorded; a workflow whose job row is
 * gone is ended instead of failing its activities in a loop.
 */
let world: JobsWorld;

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker();
  await world.assign(await world.user({ name: 'Alice Adams' }));
}, 120_000);

afterAll(async () => {
  await world?.close();
});

it('gives a job whose workflow was lost a new one in its recorded state, and ends a workflow whose job is gone', async () => {
  const jobId = await world.createJobViaApi();
  await world.call('POST', `/api/jobs/${jobId}/start`);
  await world.waitForStatus(jobId, (s) => s.lastCycle !== null && s.cycle === null);
  await world.call('POST', `/api/jobs/${jobId}/pause`);
  await expect.poll(async () => (await world.call<{ state: string }>('GET', `/api/jobs/${jobId}`)).body.state, { timeout: 10_000 }).toBe('Paused');
  // what a wiped Temporal database looks like from here: no running workflow for the job
  await world.temporal.workflow.getHandle(jobWorkflowId(jobId)).terminate('simulated loss of the Temporal database');

  const orphan = '00000000-0000-4000-8000-00000000abcd';
  await world.temporal.workflow.start(provisioningJob, {
    workflowId: jobWorkflowId(orphan), taskQueue: world.taskQueue, args: [{ jobId: orphan, machine: newJobMachine(40) }],
  });

  const { started, terminated } = await world.service.reconcile();
  expect(started).toEqual([jobId]);
  expect(terminated).toEqual([orphan]);
  expect((await world.status(jobId)).state).toBe('Paused');
  expect((await world.temporal.workflow.getHandle(jobWorkflowId(orphan)).describe()).status.name).toBe('TERMINATED');

  // a second reconciliation finds nothing to do
  expect(await world.service.reconcile()).toEqual({ started: [], terminated: [] });
});
