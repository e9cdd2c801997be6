import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { provisioningJobs } from '../../src/db/provisioning.js';
import { jobWorkflowId } from '../../src/workflows/ids.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/**
 * A job's life through the REST API on the real Temporal dev server: create, initial cycle,
 * an incremental cycle on run-now, pause (nothing reaches the target), resume, restart.
 */
let world: JobsWorld;
let jobId: string;

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker();
  for (const name of ['Alice Adams', 'Bob Brown']) await world.assign(await world.user({ name }));
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const lastCycleId = async () => (await world.status(jobId)).lastCycle?.id;
const cycleAfter = (previous: string | undefined) => world.waitForStatus(jobId, (s) => s.lastCycle !== null && s.lastCycle.id !== previous && s.cycle === null);

describe('a provisioning job through the API', () => {
  it('is created NotRun, without its target token in any answer, and stores the token encrypted', async () => {
    jobId = await world.createJobViaApi();
    const job = await world.call<Record<string, unknown>>('GET', `/api/jobs/${jobId}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: jobId, state: 'NotRun', intervalMinutes: 40, deleteThreshold: 500, target: { url: world.scimUrl } });
    const listed = await world.call<{ items: unknown[] }>('GET', '/api/jobs');
    expect(JSON.stringify([job.body, listed.body])).not.toContain(world.scimToken);
    const [row] = await world.app.db.db.select().from(provisioningJobs).where(eq(provisioningJobs.id, jobId));
    expect(row!.targetTokenEncrypted).not.toContain(world.scimToken);
    expect((await world.status(jobId)).state).toBe('NotRun');
  });

  it('runs the initial cycle on start and then waits for the next interval', async () => {
    const started = await world.call<{ state: string }>('POST', `/api/jobs/${jobId}/start`);
    expect(started).toMatchObject({ status: 202, body: { state: 'Active' } });
    const status = await cycleAfter(undefined);
    expect(status.lastCycle).toMatchObject({ kind: 'initial', counts: { created: 2, failed: 0 } });
    expect(status.totals).toEqual({ users: 2, groups: 0 });
    expect(Date.parse(status.nextCycleAt!) - Date.parse(status.lastCycle!.finishedAt)).toBe(40 * 60_000);
    expect((await world.targetUsers()).map((u) => u.userName)).toEqual(['alice.adams@contoso.com', 'bob.brown@contoso.com']);
  });

  it('shows the job in Temporal with its id and state as search attributes, and its workflow history stays small', async () => {
    const description = await world.temporal.workflow.getHandle(jobWorkflowId(jobId)).describe();
    expect(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]))
      .toEqual(expect.arrayContaining([['ProvisioningJobId', jobId], ['ProvisioningState', 'Active'], ['ProvisioningCycle', 'none']]));
    // continued as new after the cycle: the current run holds only its waiting
    expect(description.historyLength).toBeLessThan(50);
  });

  it('sends a directory change in an incremental cycle on run-now', async () => {
    const previous = await lastCycleId();
    const alice = (await world.targetUser('alice.adams@contoso.com'))!;
    const [aliceSource] = await world.app.db.sql<{ id: string }[]>`select id from directory_users where user_principal_name = 'alice.adams@contoso.com'`;
    await world.updateUser(aliceSource!.id, { department: 'Sales' });
    expect((await world.call('POST', `/api/jobs/${jobId}/run-now`)).status).toBe(202);
    const status = await cycleAfter(previous);
    expect(status.lastCycle).toMatchObject({ kind: 'incremental', counts: { updated: 1, created: 0 } });
    expect((await world.targetUser('alice.adams@contoso.com'))!.resource[ENTERPRISE]).toMatchObject({ department: 'Sales' });
    expect((await world.targetUser('alice.adams@contoso.com'))!.id).toBe(alice.id);
  });

  it('when paused, refuses run-now with 409 and sends nothing; resume then run-now catches up', async () => {
    expect(await world.call('POST', `/api/jobs/${jobId}/pause`)).toMatchObject({ status: 202, body: { state: 'Paused' } });
    await world.assign(await world.user({ name: 'Carol Clark' }));
    const refused = await world.call<{ status: number; detail: string }>('POST', `/api/jobs/${jobId}/run-now`);
    expect(refused).toMatchObject({ status: 409, body: { status: 409, detail: 'a job in state Paused cannot run now; resume it first' } });
    expect((await world.status(jobId)).state).toBe('Paused');
    expect(await world.targetUser('carol.clark@contoso.com')).toBeUndefined();

    const previous = await lastCycleId();
    expect(await world.call('POST', `/api/jobs/${jobId}/resume`)).toMatchObject({ status: 202, body: { state: 'Active' } });
    expect((await world.call('POST', `/api/jobs/${jobId}/run-now`)).status).toBe(202);
    await cycleAfter(previous);
    expect(await world.targetUser('carol.clark@contoso.com')).toBeDefined();
  });

  it('restart with Watermark runs a full cycle again that matches what is already there', async () => {
    const previous = await lastCycleId();
    const restarted = await world.call('POST', `/api/jobs/${jobId}/restart`, { resetScope: ['Watermark'] });
    expect(restarted.status).toBe(202);
    const status = await cycleAfter(previous);
    expect(status.lastCycle).toMatchObject({ kind: 'initial', counts: { created: 0, failed: 0 } });
    expect(await world.targetUsers()).toHaveLength(3);
  });

  it('stop keeps the job from running; run-now is refused until it is started again', async () => {
    expect(await world.call('POST', `/api/jobs/${jobId}/stop`)).toMatchObject({ status: 202, body: { state: 'Stopped', nextCycleAt: null } });
    expect((await world.call('POST', `/api/jobs/${jobId}/run-now`)).status).toBe(409);
    // the row's copy of the state, for listing, follows
    await expect.poll(async () => (await world.call<{ state: string }>('GET', `/api/jobs/${jobId}`)).body.state, { timeout: 10_000 }).toBe('Stopped');
  });

  it('deletes the job and its workflow', async () => {
    expect((await world.call('DELETE', `/api/jobs/${jobId}`)).status).toBe(204);
    expect((await world.call('GET', `/api/jobs/${jobId}`)).status).toBe(404);
    const description = await world.temporal.workflow.getHandle(jobWorkflowId(jobId)).describe();
    expect(description.status.name).toBe('TERMINATED');
  });
});
