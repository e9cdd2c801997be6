import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/server.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/** `scimflow jobs …` verbs are REST clients: run as a user runs them, against a real API. */
let world: JobsWorld;
const bin = fileURLToPath(new URL('../../bin/scimflow.js', import.meta.url));

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker();
  await world.assign(await world.user({ name: 'Alice Adams' }));
}, 120_000);

afterAll(async () => {
  await world?.close();
});

async function scimflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'jobs', '--api-url', world.apiUrl, ...args], {
      env: { ...process.env, ADMIN_TOKEN, SCIMFLOW_TARGET_TOKEN: world.scimToken },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('creates, starts, pauses and reports a job; a refused control exits non-zero with the reason', async () => {
  const created = await scimflow('create', '--name', 'CLI job', '--directory', world.directoryId, '--application', world.applicationId,
    '--target-url', world.scimUrl, '--json');
  expect(created.code).toBe(0);
  const job = JSON.parse(created.stdout) as { id: string; state: string };
  expect(job.state).toBe('NotRun');
  expect(created.stdout).not.toContain(world.scimToken);

  expect((await scimflow('start', job.id)).stdout).toContain('state:       Active');
  await world.waitForStatus(job.id, (s) => s.lastCycle !== null && s.cycle === null);
  const status = await scimflow('status', job.id);
  expect(status.stdout).toMatch(/last cycle:  initial, .* created 1,/);
  expect(status.stdout).toContain('totals:      1 users, 0 groups');

  expect((await scimflow('pause', job.id)).stdout).toContain('state:       Paused');
  const refused = await scimflow('run-now', job.id);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('409 Conflict: a job in state Paused cannot run now; resume it first');
}, 60_000);
