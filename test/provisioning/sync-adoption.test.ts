import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './sync-fixture.js';
import { runInitialCycle } from '../../src/provisioning/index.js';

describe('a target that already holds some users', () => {
  let world: World;
  let jobId: string;
  let existingId: string;
  let aliceSource: string;

  beforeAll(async () => {
    world = await createWorld();
    const res = await fetch(`${world.scimUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Alice.Adams@contoso.com', displayName: 'Old Name' }),
    });
    existingId = ((await res.json()) as { id: string }).id;
    aliceSource = await world.user({ name: 'Alice Adams' });
    await world.assign(aliceSource);
    await world.assign(await world.user({ name: 'Bob Brown' }));
    jobId = await world.createJob();
    const ctx = await world.open(jobId);
    try {
      await runInitialCycle(ctx);
    } finally {
      await ctx.close();
    }
  });
  afterAll(() => world.close());

  it('adopts the matching user (userName, case-insensitively) instead of creating a second one', async () => {
    const users = await world.targetUsers();
    expect(users).toHaveLength(2);
    const alice = users.find((u) => u.userName.toLowerCase() === 'alice.adams@contoso.com')!;
    expect(alice.id).toBe(existingId);
    expect(alice.resource.displayName).toBe('Alice Adams');
  });

  it('links the adopted user and logs the match', async () => {
    const [link] = await world.app.db.sql<{ target_id: string }[]>`
      select target_id from provisioning_links where job_id = ${jobId} and source_id = ${aliceSource}`;
    expect(link!.target_id).toBe(existingId);
    const entry = (await world.logs(jobId)).find((l) => l.source_id === aliceSource)!;
    expect(entry).toMatchObject({ action: 'Update', status: 'Success' });
    expect(JSON.stringify(entry.steps)).toContain('Matched target user');
  });
});
