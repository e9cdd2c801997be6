import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, SECRETS_KEY, type World } from './sync-fixture.js';
import { runInitialCycle, runPreviewCycle, type CycleResult } from '../../src/provisioning/index.js';

describe('a dry run (preview)', () => {
  let world: World;
  let jobId: string;
  let before: unknown;
  let preview: CycleResult;
  const ids: Record<string, string> = {};

  const snapshot = async () => {
    const { sql } = world.app.db;
    return {
      users: await world.targetUsers(),
      groups: await world.targetGroups(),
      links: await sql`select * from provisioning_links where job_id = ${jobId} order by object_type, source_id`,
      escrows: await sql`select * from provisioning_escrows where job_id = ${jobId}`,
      pending: await sql`select * from provisioning_pending_deletions where job_id = ${jobId}`,
      job: await sql`select watermark, full_sync_required from provisioning_jobs where id = ${jobId}`,
    };
  };

  beforeAll(async () => {
    world = await createWorld();
    ids.alice = await world.user({ name: 'Alice Adams' });
    ids.bob = await world.user({ name: 'Bob Brown' });
    ids.team = await world.group('Team', [ids.alice]);
    for (const id of Object.values(ids)) await world.assign(id);
    jobId = await world.createJob();
    const ctx = await world.open(jobId);
    try {
      await runInitialCycle(ctx);
    } finally {
      await ctx.close();
    }
    ids.carol = await world.user({ name: 'Carol Clark' });
    await world.assign(ids.carol);
    await world.updateUser(ids.alice, { jobTitle: 'CEO' });
    await world.unassign(ids.bob);
    before = await snapshot();
    preview = await runPreviewCycle({ db: world.app.db.db, sql: world.app.db.sql, secretsKey: SECRETS_KEY }, jobId);
  });
  afterAll(() => world.close());

  it('changes nothing in the target, the links, escrows, pending deletions or the watermark', async () => {
    expect(await snapshot()).toEqual(before);
    expect(preview.dryRun).toBe(true);
  });

  it('logs what it would send, with the action it would take', async () => {
    const logs = (await world.logs(jobId)).filter((l) => l.cycle_id === preview.cycleId);
    const of = (id: string, action: string) => logs.find((l) => l.source_id === id && l.action === action);
    const wouldSend = (entry: { steps: unknown[] } | undefined) =>
      (entry!.steps as Array<{ description: string }>).map((s) => s.description).filter((d) => d.startsWith('Preview: would send'));
    expect(wouldSend(of(ids.carol!, 'Create'))).toEqual([expect.stringMatching(/^Preview: would send POST \/Users \{/)]);
    expect(wouldSend(of(ids.alice!, 'Update'))).toEqual([expect.stringMatching(/^Preview: would send PATCH \/Users\/[^ ]+ .*CEO/)]);
    expect(wouldSend(of(ids.bob!, 'Disable'))).toEqual([expect.stringMatching(/^Preview: would send PATCH \/Users\/.*active/)]);
  });
});

describe('a preview of a first cycle against a target that already holds a user', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld();
    await fetch(`${world.scimUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice.adams@contoso.com' }),
    });
    await world.assign(await world.user({ name: 'Alice Adams' }));
  });
  afterAll(() => world.close());

  it('matches for real and shows an adoption, not a create', async () => {
    const jobId = await world.createJob();
    const preview = await runPreviewCycle({ db: world.app.db.db, sql: world.app.db.sql, secretsKey: SECRETS_KEY }, jobId);
    const actions = (await world.logs(jobId)).filter((l) => l.cycle_id === preview.cycleId).map((l) => l.action);
    expect(actions).toEqual(['Update']);
  });
});
