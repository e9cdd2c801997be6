import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/**
 * The worker process dies (SIGKILL) in the middle of an initial cycle and another one is
 * started: the cycle resumes from the last heartbeated page and completes, and the target
 * holds every user exactly once.
 */
const USERS = 240;
let world: JobsWorld;
let slow: FaultyScim;
const children: ChildProcess[] = [];

beforeAll(async () => {
  world = await createJobsWorld();
  // every request takes a while, so the cycle is still running when the worker is killed
  slow = await startFaultyScim({ upstream: world.scimUrl, latencyMs: 15 });
  for (let i = 0; i < USERS; i++) await world.assign(await world.user({ name: `User${String(i).padStart(3, '0')} Crash` }));
}, 120_000);

afterAll(async () => {
  await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  })));
  await slow?.close();
  await world?.close();
});

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./worker-process.ts', import.meta.url))], {
    env: {
      ...process.env,
      DATABASE_URL: world.app.db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: world.taskQueue,
      SECRETS_KEY: 'sync-tests-secrets-key-0123456789',
      PAGE_SIZE: '20',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`worker process exited with ${code}`));
    child.once('exit', early);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('ready')) return;
      child.off('exit', early);
      resolve(child);
    });
  });
}

async function targetCount(): Promise<number> {
  const [row] = await world.app.db.sql<{ n: string }[]>`select count(*) as n from scim_users where tenant_id = ${world.tenantId}`;
  return Number(row!.n);
}

it('a worker killed mid-initial-cycle loses nothing and duplicates nothing', async () => {
  const first = await startWorkerProcess();
  const jobId = await world.createJobViaApi({}, { url: slow.url });
  await world.call('POST', `/api/jobs/${jobId}/start`);
  await expect.poll(targetCount, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(40);
  first.kill('SIGKILL');
  const atKill = await targetCount();
  expect(atKill).toBeLessThan(USERS);
  const down = await world.call<{ status: number; detail: string }>('GET', `/api/jobs/${jobId}/status`);
  expect(down).toMatchObject({ status: 503, body: { detail: expect.stringMatching(/no provisioning worker/) } });

  await startWorkerProcess();
  const done = await world.waitForStatus(jobId, (s) => s.lastCycle !== null, 90_000);
  expect(done.lastCycle).toMatchObject({ kind: 'initial' });
  expect(done.lastCycle!.counts.failed).toBe(0);
  const users = await world.targetUsers();
  expect(users).toHaveLength(USERS);
  expect(new Set(users.map((u) => u.userName)).size).toBe(USERS);
  const [links] = await world.app.db.sql<{ n: string }[]>`select count(*) as n from provisioning_links where job_id = ${jobId}`;
  expect(Number(links!.n)).toBe(USERS);
}, 150_000);
