import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './sync-fixture.js';
import { provisionOnDemand, type OpenedJob } from '../../src/provisioning/index.js';
import { OnDemandTooManyMembers } from '../../src/provisioning/on-demand-limits.js';

describe('provision on demand', () => {
  let world: World;
  let ctx: OpenedJob;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    world = await createWorld();
    ids.alice = await world.user({ name: 'Alice Adams' });
    ids.bob = await world.user({ name: 'Bob Brown' });
    ids.small = await world.group('Small', [ids.alice, ids.bob]);
    const many = [];
    for (let i = 0; i < 6; i++) many.push(await world.user({ name: `Many${i} Member` }));
    ids.big = await world.group('Big', many);
    for (const id of [ids.alice, ids.small, ids.big]) await world.assign(id);
    ctx = await world.open(await world.createJob());
  });
  afterAll(async () => {
    await ctx.close();
    await world.close();
  });

  it('provisions one user at once and returns its log entry with every step', async () => {
    const entries = await provisionOnDemand(ctx, { userId: ids.alice! });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'Create', status: 'Success' });
    expect(entries[0]!.steps.map((s) => s.name)).toEqual(['import', 'scoping', 'matching', 'processing', 'export']);
    expect((await world.targetUser('alice.adams@contoso.com'))!.active).toBe(true);
  });

  it('provisions a group with its members', async () => {
    const entries = await provisionOnDemand(ctx, { groupId: ids.small! });
    // Alice was provisioned by the test before: nothing changed for her
    expect(entries.map((e) => `${e.sourceIdentity.type} ${e.action}`).sort()).toEqual(['Group Create', 'Group Update', 'User Create', 'User Other']);
    expect((await world.targetGroups())[0]).toMatchObject({ displayName: 'Small', members: ['alice.adams@contoso.com', 'bob.brown@contoso.com'] });
  });

  it('refuses a group with more than five members', async () => {
    await expect(provisionOnDemand(ctx, { groupId: ids.big! })).rejects.toBeInstanceOf(OnDemandTooManyMembers);
  });
});
