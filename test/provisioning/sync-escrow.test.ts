import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { createWorld, type World } from './sync-fixture.js';
import { runIncrementalCycle, runInitialCycle } from '../../src/provisioning/index.js';

const T0 = new Date('2026-03-01T08:00:00Z').getTime();
const MINUTE = 60_000;

describe('escrows', () => {
  let world: World;
  let faulty: FaultyScim;
  let jobId: string;
  let watermark = 0;
  let clock = T0;

  const postsForBroken = () => faulty.hits.filter((h) => h.method === 'POST' && JSON.stringify(h.body).includes('broken.user@')).length;
  const escrow = async () => (await world.app.db.sql<{ attempts: number; next_retry_at: string }[]>`
    select attempts, next_retry_at::text from provisioning_escrows where job_id = ${jobId}`)[0];
  async function cycle(atMinutes: number, kind: 'initial' | 'incremental' = 'incremental') {
    clock = T0 + atMinutes * MINUTE;
    const ctx = await world.open(jobId, { now: () => new Date(clock), retry: { maxAttempts: 1 } });
    try {
      watermark = (kind === 'initial' ? await runInitialCycle(ctx) : await runIncrementalCycle(ctx, watermark)).watermark;
    } finally {
      await ctx.close();
    }
  }

  beforeAll(async () => {
    world = await createWorld();
    faulty = await startFaultyScim({ upstream: world.scimUrl });
    faulty.fault({ fault: { status: 500 }, match: (h) => h.method === 'POST' && JSON.stringify(h.body).includes('broken.user@') });
    await world.assign(await world.user({ name: 'Broken User' }));
    await world.assign(await world.user({ name: 'Fine User' }));
    jobId = await world.createJob({}, { url: faulty.url });
    await cycle(0, 'initial');
  });
  afterAll(async () => {
    await faulty.close();
    await world.close();
  });

  it('records a failed object with its first attempt, due at the next cycle', async () => {
    expect(await world.targetUser('fine.user@contoso.com')).toBeDefined();
    expect(await escrow()).toMatchObject({ attempts: 1 });
    expect(postsForBroken()).toBe(1);
  });

  it('retries it in the next incremental cycle although nothing changed in the source', async () => {
    await cycle(40);
    expect(postsForBroken()).toBe(2);
    expect((await escrow())!.attempts).toBe(2);
  });

  it('waits longer after each failure', async () => {
    await cycle(80);
    expect(postsForBroken()).toBe(2);
    await cycle(40 + 80 + 1);
    expect(postsForBroken()).toBe(3);
    expect((await escrow())!.attempts).toBe(3);
  });

  it('drops it after 28 days', async () => {
    await cycle(28 * 24 * 60 + 1);
    expect(await escrow()).toBeUndefined();
  });

  it('succeeds and forgets the escrow once the target accepts the object', async () => {
    faulty.clearFaults();
    await world.updateUser((await world.app.db.sql<{ id: string }[]>`
      select id from directory_users where user_principal_name like 'broken.user@%'`)[0]!.id, { jobTitle: 'Fixed' });
    await cycle(29 * 24 * 60);
    expect((await world.targetUser('broken.user@contoso.com'))!.resource.title).toBe('Fixed');
    expect(await escrow()).toBeUndefined();
  });
});
