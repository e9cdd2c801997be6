import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_ATTENTION, EXIT_NO_CYCLE, EXIT_OK, progressBar, step, watchJob, watchOf } from '../../src/cli/watch.js';
import type { JobStatusResponse } from '../../src/jobs/service.js';
import { emptyCounts } from '../../src/provisioning/engine/counts.js';
import { createJobsWorld, type JobsWorld } from '../jobs/harness.js';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { ADMIN_TOKEN } from '../support/server.js';

/**
 * `scimflow jobs watch`: its steps as a table, and the real command as a child process
 * following real cycles on the dev server — one that finishes, one that quarantines.
 */

const NOW = new Date('2026-01-01T00:01:05Z');
const summary = { created: 2, updated: 0, disabled: 0, deleted: 0, skipped: 0, failed: 0 };
const status = (over: Partial<JobStatusResponse>): JobStatusResponse => ({
  state: 'Active', cycle: null, lastCycle: null, quarantine: null, nextCycleAt: null, escrowsPruned: false, totals: { users: 0, groups: 0 }, ...over,
});
const running = (id: string, percent: number): JobStatusResponse['cycle'] => ({
  kind: 'initial', id, startedAt: '2026-01-01T00:00:00Z', progress: { percent, processed: percent, total: 100 }, counts: { ...emptyCounts(), created: percent },
});
const last = (id: string): JobStatusResponse['lastCycle'] => ({
  id, kind: 'initial', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', durationMs: 60_000, counts: summary,
});
const quarantine = (currentBegan: string): JobStatusResponse['quarantine'] => ({
  reason: 'EncounteredQuarantineException', currentBegan, seriesBegan: currentBegan, nextAttempt: '2026-01-01T06:00:00Z', seriesCount: 0,
});

describe('a watch step', () => {
  it('draws the running cycle: bar, percent, objects, statistics to date, time running', () => {
    const s = step(watchOf(status({})), status({ cycle: running('c1', 40) }), NOW);
    expect(s).toMatchObject({ kind: 'running', watch: { cycleId: 'c1' } });
    expect(s.line).toBe(`${progressBar(40)}  40% initial 40/100 created 40 updated 0 disabled 0 deleted 0 skipped 0 failed 0 1:05`);
    expect(progressBar(40, 10)).toBe('[####------]');
  });

  it.each([
    ['the followed cycle ended well', { cycleId: 'c1', lastCycleId: null, quarantineBegan: null }, status({ lastCycle: last('c1') }), EXIT_OK, 'initial cycle finished in 60.0 s: created 2'],
    ['a cycle began and ended between two polls', { cycleId: null, lastCycleId: 'c0', quarantineBegan: null }, status({ lastCycle: last('c1') }), EXIT_OK, 'initial cycle finished'],
    ['the cycle quarantined the job', { cycleId: 'c1', lastCycleId: null, quarantineBegan: null }, status({ state: 'Quarantine', quarantine: quarantine('2026-01-01T00:01:00Z') }), EXIT_ATTENTION, 'job is Quarantine (EncounteredQuarantineException)'],
    ['an unseen retry failed again', { cycleId: null, lastCycleId: null, quarantineBegan: '2026-01-01T00:00:00Z' }, status({ state: 'Quarantine', quarantine: quarantine('2026-01-01T00:01:00Z') }), EXIT_ATTENTION, 'job is Quarantine'],
    ['a paused job runs no cycle', { cycleId: null, lastCycleId: null, quarantineBegan: null }, status({ state: 'Paused' }), EXIT_NO_CYCLE, 'job is Paused'],
  ] as const)('ends when %s', (_name, watch, current, code, line) => {
    const s = step({ ...watch }, current, NOW);
    expect(s).toMatchObject({ kind: 'done', code });
    expect(s.line).toContain(line);
  });

  it('waits for the next cycle of an active job', () => {
    expect(step(watchOf(status({})), status({ nextCycleAt: '2026-01-01T00:40:00Z' }), NOW))
      .toMatchObject({ kind: 'waiting', line: 'waiting for the next cycle (due 2026-01-01T00:40:00Z)' });
  });

  it('redraws in place on a terminal', async () => {
    const answers = [status({ cycle: running('c1', 10) }), status({ cycle: running('c1', 60) }), status({ lastCycle: last('c1') })];
    let out = '';
    const code = await watchJob({ status: async () => answers.shift()!, write: (t) => { out += t; }, tty: true, intervalMs: 1, now: () => NOW });
    expect(code).toBe(EXIT_OK);
    expect(out.split('\r\x1b[2K')).toHaveLength(3);
    expect(out).toMatch(/60% initial 60\/100 .*\n.*initial cycle finished in 60\.0 s/);
  });
});

const bin = fileURLToPath(new URL('../../bin/scimflow.js', import.meta.url));
let world: JobsWorld;
let faulty: FaultyScim;

beforeAll(async () => {
  world = await createJobsWorld();
  // small pages and slices, so a cycle of a few dozen users reports progress several times
  await world.startWorker({ engineOptions: { pageSize: 4, concurrency: 2 }, sliceMs: 100 });
  faulty = await startFaultyScim({ upstream: world.scimUrl });
}, 120_000);

afterAll(async () => {
  await faulty?.close();
  await world?.close();
});

interface Watcher { output(): string; exit: Promise<number> }

/** `scimflow jobs watch <id>`, piped (not a terminal), once it has read the job's status and waits for a cycle. */
async function watch(jobId: string): Promise<Watcher> {
  const child = spawn(process.execPath, [bin, 'jobs', '--api-url', world.apiUrl, 'watch', jobId], { env: { ...process.env, ADMIN_TOKEN } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('waiting for the next cycle')) {
    if (Date.now() > deadline) throw new Error(`watch never waited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { output: () => out, exit };
}

const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${String(i).padStart(2, '0')}`);

describe('scimflow jobs watch', () => {
  let jobId: string;

  it('follows the next cycle with a progress bar and exits 0 when it ends', async () => {
    jobId = await world.createJobViaApi({}, { url: faulty.url });
    await world.call('POST', `/api/jobs/${jobId}/start`);
    await world.waitForStatus(jobId, (s) => s.state === 'Active' && s.lastCycle !== null && s.cycle === null);

    const watcher = await watch(jobId);
    await world.assignedUsers(numbered('Watched', 24));
    // slow creations, so the cycle lasts a few polls
    faulty.fault({ fault: { delayMs: 150 }, match: (hit) => hit.method === 'POST' });
    await world.call('POST', `/api/jobs/${jobId}/run-now`);
    const code = await watcher.exit;
    faulty.clearFaults();

    const lines = watcher.output().trim().split('\n');
    const bars = lines.filter((l) => /^\[[#-]{30}\] +\d+% incremental \d+\/\d+ created \d+/.test(l));
    expect(bars.length, watcher.output()).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^incremental cycle finished in [\d.]+ s: created 24, updated 0, disabled 0, deleted 0, skipped 0, failed 0$/);
    expect(watcher.output()).not.toContain('\r');
    expect(code).toBe(0);
  }, 90_000);

  it('exits non-zero with the reason when the cycle quarantines the job', async () => {
    const watcher = await watch(jobId);
    faulty.fault({ fault: { status: 401, body: { detail: 'invalid token' } } });
    await world.assignedUsers(numbered('Refused', 1));
    await world.call('POST', `/api/jobs/${jobId}/run-now`);
    const code = await watcher.exit;
    faulty.clearFaults();
    expect(watcher.output().trim().split('\n').at(-1)).toMatch(/^job is Quarantine \(EncounteredQuarantineException\), next attempt \d{4}-/);
    expect(code, watcher.output()).toBe(1);
  }, 90_000);
});
