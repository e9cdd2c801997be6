import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalToolPath } from '../../src/dev/temporal.js';
import { createJobService, type JobService, type JobStatusResponse } from '../../src/jobs/service.js';
import type { Quarantine } from '../../src/workflows/job-machine.js';
import { createJobWorker } from '../../src/jobs/worker.js';
import { ensureSearchAttributes } from '../../src/jobs/temporal.js';
import { createLogger } from '../../src/logger.js';
import { defaultJobConfig } from '../../src/provisioning/config.js';
import { createWorld, SECRETS_KEY, type World } from '../provisioning/sync-fixture.js';

/**
 * Quarantine and the cycle cadence where time matters (entra-provisioning.md §1–§2), on the
 * time-skipping test server: the schedule is Entra's — 40 minutes, 6 h, 12 h, 24 h, 28 days —
 * and the test skips time instead of shortening it.
 */
// activity failures are what these tests provoke: keep the SDK's log to errors
Runtime.install({ logger: new DefaultLogger('ERROR') });

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let world: World;
let jobs: JobService;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalToolPath('temporal-test-server') } },
  });
  // as `scimflow worker` does on any cluster
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default', createLogger('warn'));
  world = await createWorld();
  const taskQueue = `quarantine-${randomUUID()}`;
  jobs = createJobService({ db: world.app.db.db, sql: world.app.db.sql, temporal: env.client, taskQueue, secretsKey: SECRETS_KEY });
  worker = await createJobWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: { engine: { db: world.app.db.db, sql: world.app.db.sql, secretsKey: SECRETS_KEY } },
    logger: createLogger('silent'),
  });
  running = worker.run();
  await world.assign(await world.user({ name: 'Alice Adams' }));
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await world?.close();
});

async function createJob(token: string): Promise<string> {
  const job = await jobs.create({
    name: 'ThousandEyes', directoryId: world.directoryId, applicationId: world.applicationId, targetUrl: world.scimUrl, config: defaultJobConfig(),
  }, token);
  return job.id;
}

interface Recorded {
  state: string;
  quarantine: Quarantine | null;
}

/**
 * Polls the job row's copy of the state rather than querying the workflow: the time-skipping
 * server can leave a query waiting while it skips time.
 */
async function until(jobId: string, done: (s: Recorded) => boolean): Promise<Recorded> {
  const deadline = Date.now() + 60_000;
  let last: Recorded | undefined;
  while (Date.now() < deadline) {
    [last] = await world.app.db.sql<Recorded[]>`select state, quarantine from provisioning_jobs where id = ${jobId}`;
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`state never matched; last: ${JSON.stringify(last)}`);
}

async function cycles(jobId: string): Promise<Array<{ kind: string; status: string; counts: Record<string, number> }>> {
  return world.app.db.sql`select kind, status, counts from provisioning_cycles where job_id = ${jobId} and not dry_run order by started_at`;
}

/** The workflow's status query, asked again when the time-skipping server leaves it unanswered. */
async function statusOf(jobId: string): Promise<JobStatusResponse> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const answer = await Promise.race([jobs.status(jobId), new Promise<null>((r) => setTimeout(() => r(null), 3_000))]);
    if (answer) return answer;
  }
  throw new Error('the status query went unanswered');
}

// an attempt begins when its timer fires and ends (currentBegan) after its activities ran in real time
const hoursBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 60_000) / 60;

describe('quarantine', () => {
  it('a target answering 401 quarantines the job; attempts come 6 h, 12 h, 24 h, then daily; a fixed target lifts it', async () => {
    const jobId = await createJob('not-the-right-token');
    await jobs.control(jobId, { type: 'start' });
    const first = await until(jobId, (s) => s.state === 'Quarantine');
    expect(first.quarantine).toMatchObject({ reason: 'EncounteredQuarantineException', seriesCount: 0 });
    expect(first.quarantine!.seriesBegan).toBe(first.quarantine!.currentBegan);
    expect(hoursBetween(first.quarantine!.currentBegan, first.quarantine!.nextAttempt!)).toBe(6);

    const gaps: number[] = [];
    let previous = first;
    for (let attempt = 1; attempt <= 4; attempt++) {
      await env.sleep(Date.parse(previous.quarantine!.nextAttempt!) - Date.parse(previous.quarantine!.currentBegan));
      const next = await until(jobId, (s) => s.quarantine !== null && s.quarantine.seriesCount === attempt);
      gaps.push(hoursBetween(previous.quarantine!.currentBegan, next.quarantine!.currentBegan));
      expect(next.quarantine!.seriesBegan).toBe(first.quarantine!.seriesBegan);
      previous = next;
    }
    expect(gaps).toEqual([6, 12, 24, 24]);
    expect(await world.targetUsers()).toEqual([]);

    await jobs.update(jobId, (current) => current, world.scimToken);
    await env.sleep(Date.parse(previous.quarantine!.nextAttempt!) - Date.parse(previous.quarantine!.currentBegan));
    const lifted = await until(jobId, (s) => s.state === 'Active');
    expect(lifted.quarantine).toBeNull();
    expect((await cycles(jobId)).at(-1)).toMatchObject({ kind: 'initial', status: 'succeeded', counts: { created: 1 } });
    expect((await world.targetUsers()).map((u) => u.userName)).toEqual(['alice.adams@contoso.com']);
    // its 40-minute cycles would otherwise run all through the other tests' skipped weeks; stopped
    // rather than deleted, since the test server stops skipping time for good when a workflow is
    // terminated with an activity in flight
    await jobs.control(jobId, { type: 'stop' });
    await until(jobId, (s) => s.state === 'Stopped');
  }, 120_000);

  it('disables a job still failing 28 days after its quarantine began', async () => {
    const jobId = await createJob('still-not-the-right-token');
    await jobs.control(jobId, { type: 'start' });
    const first = await until(jobId, (s) => s.state === 'Quarantine');
    // attempt by attempt, as the first test does: each skip ends at the next attempt's timer
    let current = first;
    while (current.state === 'Quarantine') {
      const { seriesCount, nextAttempt, currentBegan } = current.quarantine!;
      await env.sleep(Date.parse(nextAttempt!) - Date.parse(currentBegan));
      current = await until(jobId, (s) => s.state === 'Disabled' || s.quarantine!.seriesCount > seriesCount);
    }
    const disabled = current;
    expect(disabled.state).toBe('Disabled');
    expect(disabled.quarantine).toMatchObject({ seriesBegan: first.quarantine!.seriesBegan, nextAttempt: null });
    const days = hoursBetween(first.quarantine!.seriesBegan, disabled.quarantine!.currentBegan) / 24;
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThan(29);
  }, 180_000);
});

describe('cadence', () => {
  it('runs an incremental cycle 40 minutes after the last one finished, with nothing asked', async () => {
    const jobId = await createJob(world.scimToken);
    await jobs.control(jobId, { type: 'start' });
    await expect.poll(async () => (await cycles(jobId)).map((c) => c.status), { timeout: 60_000 }).toEqual(['succeeded']);
    const initial = await statusOf(jobId);
    expect(hoursBetween(initial.lastCycle!.finishedAt, initial.nextCycleAt!) * 60).toBe(40);
    await world.assign(await world.user({ name: 'Bob Brown' }));
    await env.sleep(40 * 60_000);
    await expect.poll(async () => (await cycles(jobId)).map((c) => [c.kind, c.status]), { timeout: 60_000 })
      .toEqual([['initial', 'succeeded'], ['incremental', 'succeeded']]);
    expect((await cycles(jobId))[1]!.counts).toMatchObject({ created: 1 });
  }, 150_000);
});
