import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/**
 * Thresholds, held deletions, provision on demand, preview, the connection test and bad
 * input, through the REST API on the real dev server. The escrow thresholds are Entra's scaled
 * down by configuration (3 failures instead of 5,000), never by changing the rule.
 */
let world: JobsWorld;
let faulty: FaultyScim;

const SCALED_THRESHOLDS = { minimumFailures: 3, maxFailureProportion: 0.4, maxTotalFailures: 1_000, absoluteCap: 1_000 };

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker({ thresholds: SCALED_THRESHOLDS });
  faulty = await startFaultyScim({ upstream: world.scimUrl });
}, 120_000);

afterAll(async () => {
  await faulty?.close();
  await world?.close();
});

const post = <T = unknown>(jobId: string, control: string, body?: unknown) => world.call<T>('POST', `/api/jobs/${jobId}/${control}`, body);
const newCycle = (jobId: string, previous: string | undefined) =>
  world.waitForStatus(jobId, (s) => s.lastCycle !== null && s.lastCycle.id !== previous && s.cycle === null);

describe('escrow thresholds', () => {
  it('an initial cycle over the threshold prunes its escrows and pauses; an incremental one quarantines', async () => {
    // the target refuses every user whose name does not start with "ok"
    faulty.fault({
      fault: { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'refused' } },
      match: (hit) => hit.method === 'POST' && hit.path === '/Users' && !String((hit.body as { userName?: string }).userName).startsWith('ok'),
    });
    await world.assignedUsers(['Ok Olga', 'Bad Bert', 'Bad Berta', 'Bad Boris', 'Bad Bella']);
    const jobId = await world.createJobViaApi({}, { url: faulty.url });
    await post(jobId, 'start');
    const paused = await world.waitForStatus(jobId, (s) => s.state === 'Paused');
    expect(paused).toMatchObject({ escrowsPruned: true, quarantine: null, lastCycle: { kind: 'initial', counts: { created: 1, failed: 4 } } });
    const [escrows] = await world.app.db.sql<{ n: string }[]>`select count(*) as n from provisioning_escrows where job_id = ${jobId}`;
    expect(Number(escrows!.n)).toBe(0);

    await post(jobId, 'resume');
    await world.assignedUsers(['Bad Bruno', 'Bad Betty', 'Bad Basil']);
    await post(jobId, 'run-now');
    const quarantined = await world.waitForStatus(jobId, (s) => s.state === 'Quarantine');
    expect(quarantined.quarantine).toMatchObject({ reason: 'EncounteredEscrowProportionThreshold', seriesCount: 0 });
    expect(quarantined.lastCycle).toMatchObject({ kind: 'incremental', counts: { failed: 3, created: 0 } });
    expect(Date.parse(quarantined.quarantine!.nextAttempt!) - Date.parse(quarantined.quarantine!.currentBegan)).toBe(6 * 3_600_000);

    // leave the directory to the next tests
    expect((await world.call('DELETE', `/api/jobs/${jobId}`)).status).toBe(204);
    faulty.clearFaults();
  });
});

describe('the accidental-deletion threshold', () => {
  let jobId: string;
  let staff: string[];
  let heldCycle: string;

  it('holds a cycle\'s disables at the threshold: AwaitingDeleteApproval, StagedDelete entries, nothing sent', async () => {
    staff = await world.assignedUsers(['Dora Diaz', 'Dan Dunn', 'Dee Doyle']);
    jobId = await world.createJobViaApi({ deleteThreshold: 3 });
    await post(jobId, 'start');
    const first = await newCycle(jobId, undefined);
    for (const id of staff) await world.unassign(id);
    await post(jobId, 'run-now');
    const held = await world.waitForStatus(jobId, (s) => s.state === 'AwaitingDeleteApproval');
    expect(held.quarantine).toMatchObject({ reason: 'TooManyDeletes', nextAttempt: null });
    expect(held.lastCycle!.id).not.toBe(first.lastCycle!.id);
    heldCycle = held.lastCycle!.id;
    const staged = (await world.logs(jobId)).filter((l) => l.action === 'StagedDelete');
    expect(staged.map((l) => l.source_id).sort()).toEqual([...staff].sort());
    for (const name of ['dora.diaz', 'dan.dunn', 'dee.doyle']) expect((await world.targetUser(`${name}@contoso.com`))!.active).toBe(true);
    expect((await post(jobId, 'run-now')).status).toBe(409);
  });

  it('allow-deletes sends them and the job is active again', async () => {
    const accepted = await post<{ state: string }>(jobId, 'allow-deletes');
    expect(accepted).toMatchObject({ status: 202, body: { state: 'Active' } });
    // the released deletions go out first, then the cycle the allowance began
    await newCycle(jobId, heldCycle);
    for (const name of ['dora.diaz', 'dan.dunn', 'dee.doyle']) expect((await world.targetUser(`${name}@contoso.com`))!.active).toBe(false);
    const disables = (await world.logs(jobId)).filter((l) => l.action === 'Disable' && l.status === 'Success');
    expect(disables).toHaveLength(3);
  });

  it('provisions one user on demand within about a second, with each step', async () => {
    const [eve] = await world.assignedUsers(['Eve Evans']);
    const started = Date.now();
    const res = await post<Array<{ action: string; status: string; steps: Array<{ name: string; status: string }> }>>(
      jobId, 'provision-on-demand', { userId: eve },
    );
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeLessThan(1_500);
    const [entry] = res.body;
    expect(entry).toMatchObject({ action: 'Create', status: 'Success' });
    expect(entry!.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['import', 'scoping', 'matching', 'export']));
    expect(await world.targetUser('eve.evans@contoso.com')).toBeDefined();
  });

  it('previews a full cycle as a dry run: log entries under its cycle id, nothing changed', async () => {
    const [frank] = await world.assignedUsers(['Frank Fox']);
    const [before] = await world.app.db.sql<{ watermark: number; links: string }[]>`
      select watermark, (select count(*) from provisioning_links where job_id = ${jobId}) as links from provisioning_jobs where id = ${jobId}`;
    const res = await post<{ cycleId: string }>(jobId, 'preview');
    expect(res.status).toBe(202);
    const { cycleId } = res.body;
    await expect.poll(async () => (await world.app.db.sql<{ status: string }[]>`select status from provisioning_cycles where id = ${cycleId}`)[0]?.status,
      { timeout: 15_000 }).toBe('succeeded');
    const entries = (await world.logs(jobId)).filter((l) => l.cycle_id === cycleId);
    expect(entries.find((l) => l.source_id === frank)).toMatchObject({ action: 'Create' });
    expect(await world.targetUser('frank.fox@contoso.com')).toBeUndefined();
    const [after] = await world.app.db.sql<{ watermark: number; links: string }[]>`
      select watermark, (select count(*) from provisioning_links where job_id = ${jobId}) as links from provisioning_jobs where id = ${jobId}`;
    expect(after).toEqual(before);
  });

  it('tests the connection: ok with the right token, an error without leaking it otherwise', async () => {
    expect(await post(jobId, 'test-connection')).toEqual({ status: 200, body: { ok: true } });
    const badToken = 'wrong-token-that-must-not-leak';
    const other = await world.createJobViaApi({}, { token: badToken });
    const res = await post<{ ok: boolean; error: string }>(other, 'test-connection');
    expect(res.body.ok).toBe(false);
    expect(res.body.error).toMatch(/401/);
    expect(JSON.stringify(res.body)).not.toContain(badToken);
  });
});

describe('bad input', () => {
  const cases: [string, string, string, unknown, number, RegExp][] = [
    ['a job without a target', 'POST', '/api/jobs', { name: 'x', directoryId: '00000000-0000-4000-8000-000000000001', applicationId: '00000000-0000-4000-8000-000000000002' }, 400, /target/],
    ['an unknown directory', 'POST', '/api/jobs', { name: 'x', directoryId: '00000000-0000-4000-8000-000000000001', applicationId: '00000000-0000-4000-8000-000000000002', target: { url: 'http://127.0.0.1:1/scim/v2', token: 't' } }, 400, /directory .* not found/],
    ['a job id that is not a UUID', 'GET', '/api/jobs/nope', undefined, 400, /.+/],
    ['an unknown job', 'POST', '/api/jobs/00000000-0000-4000-8000-000000000009/start', undefined, 404, /not found/],
  ];
  for (const [name, method, path, body, status, detail] of cases) {
    it(`answers ${status} problem JSON for ${name}`, async () => {
      const res = await world.call<{ status: number; detail: string }>(method, path, body);
      expect(res.status).toBe(status);
      expect(res.body.status).toBe(status);
      expect(res.body.detail).toMatch(detail);
    });
  }

  it('rejects a mapping expression with its position, and a reset scope Graph does not know', async () => {
    const bad = await world.call<{ detail: string }>('POST', '/api/jobs', {
      name: 'x', directoryId: world.directoryId, applicationId: world.applicationId, target: { url: world.scimUrl, token: 't' },
      mappings: { user: [{ type: 'Expression', expression: 'Join(', target: 'userName' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/mappings\.user\.0/);
    const jobId = await world.createJobViaApi();
    expect((await post(jobId, 'restart', { resetScope: ['Everything'] })).status).toBe(400);
    expect((await post(jobId, 'provision-on-demand', { userId: world.applicationId, groupId: world.applicationId })).status).toBe(400);
  });
});
