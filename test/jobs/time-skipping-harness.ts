import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { temporalToolPath } from '../../src/dev/temporal.js';
import { createJobService, type JobService } from '../../src/jobs/service.js';
import { jobWorkflowId } from '../../src/workflows/ids.js';
import type { Quarantine } from '../../src/workflows/job-machine.js';
import { createJobWorker } from '../../src/jobs/worker.js';
import { ensureSearchAttributes } from '../../src/jobs/temporal.js';
import { createLogger } from '../../src/logger.js';
import { defaultJobConfig } from '../../src/provisioning/config.js';
import { createWorld, SECRETS_KEY, type World } from '../provisioning/sync-fixture.js';

/**
 * Jobs on the time-skipping test server, for the tests where time matters: the schedule is
 * Entra's — 40 minutes, 6 h, 12 h, 24 h, 28 days — and tests skip time instead of shortening
 * it. Each test file gets a server, worker and world of its own, so one file's leftover
 * workflows never hold another's time.
 */
export interface Recorded {
  state: string;
  quarantine: Quarantine | null;
}

export interface TimeSkippingJobs {
  env: TestWorkflowEnvironment;
  world: World;
  jobs: JobService;
  createJob(token: string): Promise<string>;
  /**
   * Polls the job row's copy of the state rather than querying the workflow: the
   * time-skipping server can leave a query waiting while it skips time.
   */
  until(jobId: string, done: (s: Recorded) => boolean): Promise<Recorded>;
  cycles(jobId: string): Promise<Array<{ kind: string; status: string; counts: Record<string, number> }>>;
  /**
   * How long the job's current run waits before its next cycle, in ms, read from the run's
   * history once its timer is set. Not the status query: a query that reaches the workflow
   * while it continues as new could leave the time-skipping server stuck, answering minutes
   * later and never skipping time again.
   */
  nextWait(jobId: string): Promise<number>;
  close(): Promise<void>;
}

// an attempt begins when its timer fires and ends (currentBegan) after its activities ran in real time
export const hoursBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 60_000) / 60;

export async function startTimeSkippingJobs(): Promise<TimeSkippingJobs> {
  // activity failures are what these tests provoke: keep the SDK's log to errors
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalToolPath('temporal-test-server') } },
  });
  // as `scimflow worker` does on any cluster
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default', createLogger('warn'));
  const world = await createWorld();
  const taskQueue = `time-skipping-${randomUUID()}`;
  const jobs = createJobService({ db: world.app.db.db, sql: world.app.db.sql, temporal: env.client, taskQueue, secretsKey: SECRETS_KEY });
  const worker: Worker = await createJobWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: { engine: { db: world.app.db.db, sql: world.app.db.sql, secretsKey: SECRETS_KEY } },
    logger: createLogger('silent'),
  });
  const running = worker.run();

  return {
    env,
    world,
    jobs,
    async createJob(token) {
      const job = await jobs.create({
        name: 'ThousandEyes', directoryId: world.directoryId, applicationId: world.applicationId, targetUrl: world.scimUrl, config: defaultJobConfig(),
      }, token);
      return job.id;
    },
    async until(jobId, done) {
      const deadline = Date.now() + 60_000;
      let last: Recorded | undefined;
      while (Date.now() < deadline) {
        [last] = await world.app.db.sql<Recorded[]>`select state, quarantine from provisioning_jobs where id = ${jobId}`;
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`state never matched; last: ${JSON.stringify(last)}`);
    },
    cycles: (jobId) => world.app.db.sql`select kind, status, counts from provisioning_cycles where job_id = ${jobId} and not dry_run order by started_at`,
    async nextWait(jobId) {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const { events } = await env.client.workflow.getHandle(jobWorkflowId(jobId)).fetchHistory();
        const timeout = events?.findLast((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes?.startToFireTimeout;
        if (timeout) return Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the job never set a timer');
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
      await world.close();
    },
  };
}

/**
 * Registers a test file's hooks: a server, worker and world for the file, with Alice Adams
 * assigned. Call the returned function inside tests.
 */
export function useTimeSkippingJobs(): () => TimeSkippingJobs {
  let jobs: TimeSkippingJobs | undefined;
  beforeAll(async () => {
    jobs = await startTimeSkippingJobs();
    await jobs.world.assign(await jobs.world.user({ name: 'Alice Adams' }));
  }, 120_000);
  afterAll(async () => { await jobs?.close(); });
  return () => jobs!;
}
