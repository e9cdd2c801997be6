import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, DEFAULT_ACCESS_ROLE_ID, type World } from './sync-fixture.js';
import { runInitialCycle } from '../../src/provisioning/index.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('an initial cycle', () => {
  let world: World;
  let ids: Record<string, string>;
  let jobId: string;
  let result: Awaited<ReturnType<typeof runInitialCycle>>;

  beforeAll(async () => {
    world = await createWorld();
    const alice = await world.user({ name: 'Alice Adams', department: 'Sales', jobTitle: 'Lead', employeeId: '1' });
    const bob = await world.user({ name: 'Bob Brown', department: 'Sales', manager: alice });
    const carol = await world.user({ name: 'Carol Clark' });
    const dave = await world.user({ name: 'Dave Davis', accountEnabled: false });
    const erin = await world.user({ name: 'Erin Evans' });
    const sales = await world.group('Sales', [alice, bob]);
    const engineering = await world.group('Engineering', [erin]);
    // nested in an assigned group: its members are not brought into scope
    await world.addMember(sales, engineering);
    await world.assign(alice);
    await world.assign(sales);
    await world.assign(carol, DEFAULT_ACCESS_ROLE_ID);
    await world.assign(dave);
    ids = { alice, bob, carol, dave, erin, sales, engineering };
    jobId = await world.createJob();
    const ctx = await world.open(jobId);
    try {
      result = await runInitialCycle(ctx);
    } finally {
      await ctx.close();
    }
  });
  afterAll(() => world.close());

  it('creates directly assigned users and the direct members of assigned groups', async () => {
    const users = await world.targetUsers();
    expect(users.map((u) => u.userName)).toEqual(['alice.adams@contoso.com', 'bob.brown@contoso.com']);
    expect(users.every((u) => u.active)).toBe(true);
  });

  it('sends the default mappings as Entra does', async () => {
    const alice = await world.targetUser('alice.adams@contoso.com');
    expect(alice!.resource).toMatchObject({
      userName: 'alice.adams@contoso.com',
      externalId: 'aliceadams',
      displayName: 'Alice Adams',
      title: 'Lead',
      name: { givenName: 'Alice', familyName: 'Adams', formatted: 'Alice Adams' },
      emails: [expect.objectContaining({ type: 'work', value: 'alice.adams@contoso.com' })],
      [ENTERPRISE]: expect.objectContaining({ department: 'Sales', employeeNumber: '1' }),
    });
  });

  it('skips Default Access assignments, disabled users, unassigned users and members of nested groups', async () => {
    const names = (await world.targetUsers()).map((u) => u.userName);
    expect(names).not.toContain('carol.clark@contoso.com');
    expect(names).not.toContain('dave.davis@contoso.com');
    expect(names).not.toContain('erin.evans@contoso.com');
    const logs = await world.logs(jobId);
    expect(logs.find((l) => l.source_id === ids.dave)).toMatchObject({ action: 'Other', status: 'Skipped' });
  });

  it('resolves the manager to its target id after the users exist', async () => {
    const alice = await world.targetUser('alice.adams@contoso.com');
    const bob = await world.targetUser('bob.brown@contoso.com');
    expect((bob!.resource[ENTERPRISE] as { manager?: { value: string } }).manager?.value).toBe(alice!.id);
  });

  it('creates assigned groups with their members, and only those', async () => {
    const groups = await world.targetGroups();
    expect(groups).toEqual([expect.objectContaining({ displayName: 'Sales', externalId: ids.sales, members: ['alice.adams@contoso.com', 'bob.brown@contoso.com'] })]);
  });

  it('logs every outcome with its steps', async () => {
    const logs = await world.logs(jobId);
    const create = logs.find((l) => l.source_id === ids.alice && l.action === 'Create');
    expect(create?.status).toBe('Success');
    expect((create!.steps as Array<{ name: string }>).map((s) => s.name)).toEqual(['import', 'scoping', 'matching', 'processing', 'export']);
    expect(create!.modified_properties).toContainEqual({ name: 'userName', oldValue: null, newValue: 'alice.adams@contoso.com' });
  });

  it('reports counts and the watermark it started from', async () => {
    expect(result.counts).toMatchObject({ created: 3, failed: 0, memberships: 2 });
    expect(result.watermark).toBeGreaterThan(0);
    expect(result.heldDeletions).toBe(0);
    expect(result.quarantine).toBeNull();
  });
});
