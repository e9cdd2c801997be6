import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { createWorld, type World } from './sync-fixture.js';
import { runIncrementalCycle, runInitialCycle, type CycleResult, type OpenJobOptions } from '../../src/provisioning/index.js';

const USERS = 30;
const CLIENT: OpenJobOptions = { timeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } };

describe('a flaky target', () => {
  let world: World;
  let faulty: FaultyScim;
  let jobId: string;
  let first: CycleResult;
  const names: string[] = [];

  async function run(kind: 'initial' | 'incremental', watermark = 0): Promise<CycleResult> {
    const ctx = await world.open(jobId, CLIENT);
    try {
      return kind === 'initial' ? await runInitialCycle(ctx) : await runIncrementalCycle(ctx, watermark);
    } finally {
      await ctx.close();
    }
  }

  beforeAll(async () => {
    world = await createWorld();
    faulty = await startFaultyScim({ upstream: world.scimUrl });
    const members: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const name = `User${String(i).padStart(2, '0')} Flaky`;
      names.push(`user${String(i).padStart(2, '0')}.flaky@contoso.com`);
      members.push(await world.user({ name }));
    }
    await world.assign(await world.group('Everyone', members));
    jobId = await world.createJob({}, { url: faulty.url });
    const posts = (hit: { method: string; path: string }) => hit.method === 'POST' && hit.path === '/Users';
    // every kind of trouble: server errors outlasting the retries, throttling, and creates that
    // reach the target but answer too late (the retried POST then meets a 409)
    faulty.fault({ fault: { status: 500 }, match: posts, times: 6 });
    faulty.fault({ fault: { status: 429, retryAfter: '0' }, match: (h) => h.method === 'GET', times: 5 });
    faulty.fault({ fault: { delayMs: 600 }, match: posts, times: 2 });
    faulty.fault({ fault: { status: 503 }, match: (h) => h.method === 'PATCH', times: 2 });
    first = await run('initial');
  });
  afterAll(async () => {
    await faulty.close();
    await world.close();
  });

  it('escrows the objects that kept failing, without stopping the cycle', async () => {
    expect(first.counts.failed + first.counts.referenceFailures).toBeGreaterThan(0);
    expect(first.counts.created).toBeGreaterThan(0);
    const [escrows] = await world.app.db.sql<{ n: number }[]>`select count(*)::int as n from provisioning_escrows where job_id = ${jobId}`;
    expect(escrows!.n).toBeGreaterThan(0);
  });

  it('ends consistent once the target recovers: every user once, the group complete, no escrow left', async () => {
    faulty.clearFaults();
    let watermark = first.watermark;
    for (let i = 0; i < 2; i++) watermark = (await run('incremental', watermark)).watermark;
    const users = await world.targetUsers();
    expect(users.map((u) => u.userName)).toEqual(names);
    expect(users.every((u) => u.active)).toBe(true);
    const groups = await world.targetGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0]!.members).toEqual(names);
    const [escrows] = await world.app.db.sql<{ n: number }[]>`select count(*)::int as n from provisioning_escrows where job_id = ${jobId}`;
    expect(escrows!.n).toBe(0);
  });
});
