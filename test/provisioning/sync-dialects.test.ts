import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './sync-fixture.js';
import { runIncrementalCycle, runInitialCycle } from '../../src/provisioning/index.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe.each(['legacy', 'aadOptscim062020'] as const)('the %s PATCH dialect', (dialect) => {
  let world: World;
  let jobId: string;
  const ids: Record<string, string> = {};

  async function cycle(kind: 'initial' | 'incremental') {
    const [job] = await world.app.db.sql<{ watermark: string | null }[]>`select watermark from provisioning_jobs where id = ${jobId}`;
    const ctx = await world.open(jobId);
    try {
      return kind === 'initial' ? await runInitialCycle(ctx) : await runIncrementalCycle(ctx, Number(job!.watermark));
    } finally {
      await ctx.close();
    }
  }

  beforeAll(async () => {
    world = await createWorld();
    ids.alice = await world.user({ name: 'Alice Adams', department: 'Sales' });
    ids.bob = await world.user({ name: 'Bob Brown', manager: ids.alice });
    ids.carol = await world.user({ name: 'Carol Clark' });
    ids.team = await world.group('Team', [ids.alice, ids.bob, ids.carol]);
    for (const id of Object.values(ids)) await world.assign(id);
    jobId = await world.createJob({ dialect });
    await cycle('initial');
  });
  afterAll(() => world.close());

  it('creates users, manager and members', async () => {
    const bob = await world.targetUser('bob.brown@contoso.com');
    expect((bob!.resource[ENTERPRISE] as { manager: { value: string } }).manager.value).toBe((await world.targetUser('alice.adams@contoso.com'))!.id);
    expect((await world.targetGroups())[0]!.members).toHaveLength(3);
  });

  it('updates several attributes of one user', async () => {
    await world.updateUser(ids.alice!, { department: 'Marketing', jobTitle: 'VP', displayName: 'Alice A.' });
    await cycle('incremental');
    const alice = await world.targetUser('alice.adams@contoso.com');
    expect(alice!.resource).toMatchObject({ displayName: 'Alice A.', title: 'VP', [ENTERPRISE]: expect.objectContaining({ department: 'Marketing' }) });
  });

  it('removes exactly the removed member and disables an unassigned user', async () => {
    await world.removeMember(ids.team!, ids.carol!);
    await world.unassign(ids.carol!);
    await cycle('incremental');
    expect((await world.targetGroups())[0]!.members).toEqual(['alice.adams@contoso.com', 'bob.brown@contoso.com']);
    expect((await world.targetUser('carol.clark@contoso.com'))!.active).toBe(false);
  });
});
