import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './sync-fixture.js';
import { runIncrementalCycle, runInitialCycle, type CycleResult } from '../../src/provisioning/index.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('incremental cycles', () => {
  let world: World;
  let jobId: string;
  let requests: Array<{ method: string; route: string }>;
  const ids: Record<string, string> = {};

  async function incremental(): Promise<CycleResult> {
    const [job] = await world.app.db.sql<{ watermark: string }[]>`select watermark from provisioning_jobs where id = ${jobId}`;
    const ctx = await world.open(jobId, { onRequest: (e) => requests.push({ method: e.method, route: e.route }) });
    requests = [];
    try {
      return await runIncrementalCycle(ctx, Number(job!.watermark));
    } finally {
      await ctx.close();
    }
  }
  const user = (name: string) => world.targetUser(`${name}@contoso.com`);
  const managerOf = async (name: string) => ((await user(name))!.resource[ENTERPRISE] as { manager?: { value: string } } | undefined)?.manager?.value;
  const members = async (group: string) => (await world.targetGroups()).find((g) => g.externalId === group)?.members;

  beforeAll(async () => {
    world = await createWorld();
    ids.alice = await world.user({ name: 'Alice Adams', department: 'Sales' });
    ids.bob = await world.user({ name: 'Bob Brown', department: 'Sales', manager: ids.alice });
    ids.carol = await world.user({ name: 'Carol Clark', department: 'Sales' });
    ids.dan = await world.user({ name: 'Dan Dent', department: 'Sales' });
    ids.sales = await world.group('Sales', [ids.alice, ids.bob]);
    for (const id of [ids.alice, ids.bob, ids.carol, ids.dan, ids.sales]) await world.assign(id);
    jobId = await world.createJob({ scopingFilters: [[{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }]] });
    const ctx = await world.open(jobId);
    try {
      await runInitialCycle(ctx);
    } finally {
      await ctx.close();
    }
  });
  afterAll(() => world.close());

  it('with nothing changed, sends nothing', async () => {
    const result = await incremental();
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(result.counts).toMatchObject({ created: 0, updated: 0, disabled: 0 });
  });

  it('an attribute change sends one PATCH of only that attribute', async () => {
    await world.updateUser(ids.alice!, { jobTitle: 'Director' });
    const result = await incremental();
    expect(requests).toEqual([{ method: 'PATCH', route: '/Users/{id}' }]);
    expect(result.counts.updated).toBe(1);
    expect((await user('alice.adams'))!.resource.title).toBe('Director');
    const entry = (await world.logs(jobId)).filter((l) => l.source_id === ids.alice).at(-1)!;
    expect(entry).toMatchObject({ action: 'Update', status: 'Success' });
    expect(entry.modified_properties).toEqual([{ name: 'title', oldValue: null, newValue: 'Director' }]);
  });

  it('a manager change sends the new manager target id', async () => {
    await world.updateUser(ids.bob!, { manager: ids.carol });
    await incremental();
    expect(await managerOf('bob.brown')).toBe((await user('carol.clark'))!.id);
  });

  it('unassigning a user disables it', async () => {
    await world.unassign(ids.dan!);
    const result = await incremental();
    expect(result.counts.disabled).toBe(1);
    expect((await user('dan.dent'))!.active).toBe(false);
  });

  it('assigning it again re-enables it', async () => {
    await world.assign(ids.dan!);
    await incremental();
    expect((await user('dan.dent'))!.active).toBe(true);
  });

  it('a scoping change that filters a user out disables it', async () => {
    await world.updateUser(ids.carol!, { department: 'Marketing' });
    await incremental();
    expect((await user('carol.clark'))!.active).toBe(false);
  });

  it('a soft delete disables and a restore re-enables', async () => {
    await world.softDeleteUser(ids.dan!);
    await incremental();
    expect((await user('dan.dent'))!.active).toBe(false);
    await world.restoreUser(ids.dan!);
    await incremental();
    expect((await user('dan.dent'))!.active).toBe(true);
  });

  it('a membership added or removed in the source is added or removed in the target', async () => {
    await world.addMember(ids.sales!, ids.dan!);
    await incremental();
    expect(await members(ids.sales!)).toEqual(['alice.adams@contoso.com', 'bob.brown@contoso.com', 'dan.dent@contoso.com']);
    await world.removeMember(ids.sales!, ids.bob!);
    await incremental();
    expect(await members(ids.sales!)).toEqual(['alice.adams@contoso.com', 'dan.dent@contoso.com']);
  });

  it('a group rename is sent as a displayName PATCH', async () => {
    await world.renameGroup(ids.sales!, 'Sales EMEA');
    await incremental();
    expect((await world.targetGroups()).map((g) => g.displayName)).toEqual(['Sales EMEA']);
  });

  it('a newly assigned user is created and joins its provisioned groups', async () => {
    ids.erin = await world.user({ name: 'Erin Evans', department: 'Sales' });
    await world.addMember(ids.sales!, ids.erin);
    await world.assign(ids.erin);
    await incremental();
    expect((await user('erin.evans'))!.active).toBe(true);
    expect(await members(ids.sales!)).toContain('erin.evans@contoso.com');
  });

  it('a hard delete deletes the target user', async () => {
    await world.hardDeleteUser(ids.bob!);
    const result = await incremental();
    expect(result.counts.deleted).toBe(1);
    expect(await user('bob.brown')).toBeUndefined();
  });

  it('a group unassigned is deleted in the target', async () => {
    await world.unassign(ids.sales!);
    await incremental();
    expect(await world.targetGroups()).toEqual([]);
    // its members stay: they were assigned directly as well
    expect((await user('alice.adams'))!.active).toBe(true);
  });
});
