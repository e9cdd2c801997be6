import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { createWorld, type World } from './sync-fixture.js';
import { finishCycle, runCyclePage, startCycle, SyncJobFailure, type CycleCursor } from '../../src/provisioning/index.js';

const USERS = 40;

describe('a cycle interrupted mid-page and run again', () => {
  let world: World;
  let faulty: FaultyScim;
  let jobId: string;
  let failure: SyncJobFailure;

  beforeAll(async () => {
    world = await createWorld();
    faulty = await startFaultyScim({ upstream: world.scimUrl });
    const members: string[] = [];
    for (let i = 0; i < USERS; i++) members.push(await world.user({ name: `Rerun${String(i).padStart(2, '0')} User` }));
    await world.assign(await world.group('Everyone', members));
    jobId = await world.createJob({}, { url: faulty.url });
  });
  afterAll(async () => {
    await faulty.close();
    await world.close();
  });

  it('stops the cycle with a job-level failure and the cursor of the page in flight', async () => {
    let posts = 0;
    // the token is revoked after 25 creates, in the middle of the third page
    faulty.fault({ fault: { status: 401 }, match: (h) => (h.method === 'POST' && h.path === '/Users' ? ++posts : posts) > 25 });
    const ctx = await world.open(jobId, { pageSize: 10 });
    try {
      const cycle = await startCycle(ctx, 'initial', null);
      let cursor: CycleCursor | null = null;
      try {
        for (;;) {
          cursor = (await runCyclePage(ctx, cycle, cursor ?? undefined)).cursor;
          if (!cursor) break;
        }
      } catch (error) {
        failure = error as SyncJobFailure;
      }
      expect(failure).toBeInstanceOf(SyncJobFailure);
      expect(failure.code).toBe('Unauthorized');
      expect(failure.cursor).toEqual({ phase: 'users', after: expect.any(String) });

      // a crash can also lose the link writes of the page's creates that did succeed
      const lost = await world.app.db.sql`
        delete from provisioning_links where job_id = ${jobId} and source_id > ${failure.cursor.after} returning source_id`;
      expect(lost.length).toBeGreaterThan(0);

      faulty.clearFaults();
      cursor = failure.cursor;
      while (cursor) cursor = (await runCyclePage(ctx, cycle, cursor)).cursor;
      await finishCycle(ctx, cycle);
    } finally {
      await ctx.close();
    }
  });

  it('leaves every user exactly once in the target, linked, and the group complete', async () => {
    const users = await world.targetUsers();
    expect(users).toHaveLength(USERS);
    expect(new Set(users.map((u) => u.userName)).size).toBe(USERS);
    const [links] = await world.app.db.sql<{ n: number }[]>`
      select count(distinct target_id)::int as n from provisioning_links where job_id = ${jobId} and object_type = 'user'`;
    expect(links!.n).toBe(USERS);
    expect((await world.targetGroups())[0]!.members).toHaveLength(USERS);
  });
});
