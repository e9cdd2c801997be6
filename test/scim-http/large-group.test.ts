import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type ScimClient } from './client.js';

/**
 * A 20,000-member group over HTTP. That the repository touches only the changed members is
 * asserted on its SQL in test/target/resources.test.ts; here the behaviour a client sees,
 * with time bounds loose enough for a busy machine but far below reading 20,000 members
 * (which, with display names, is what a member-count-proportional PATCH would cost).
 */
const MEMBERS = 20_000;
let app: TestApp;
let scim: ScimClient;
let groupId: string;
let spare: string[];

beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'large');
  groupId = (await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Everyone' } })).body.id;
  await app.db.sql`
    with u as (
      insert into scim_users (tenant_id, user_name, display_name, resource)
      select ${scim.tenantId}, 'u' || i, 'User ' || i,
             jsonb_build_object('schemas', jsonb_build_array(${USER_SCHEMA}::text), 'userName', 'u' || i, 'displayName', 'User ' || i)
      from generate_series(1, ${MEMBERS + 1000}) i returning id, user_name
    )
    insert into scim_group_members (group_id, member_id, member_type, tenant_id)
    select ${groupId}, id, 'User', ${scim.tenantId} from u where substr(user_name, 2)::int <= ${MEMBERS}`;
  await app.db.sql`analyze`;
  spare = (await app.db.sql`select id from scim_users where tenant_id = ${scim.tenantId} and substr(user_name, 2)::int > ${MEMBERS} order by id`)
    .map((r) => r.id as string);
});
afterAll(async () => { await app?.close(); });

const memberCount = async () =>
  ((await app.db.sql`select count(*)::int as n from scim_group_members where group_id = ${groupId}`)[0] as { n: number }).n;

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

describe(`a group with ${MEMBERS} members`, () => {
  it('adds and removes one member quickly, answering 204', async () => {
    const durations: number[] = [];
    for (const id of spare.slice(0, 10)) {
      const add = await timed(() => scim.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }] },
      }));
      const remove = await timed(() => scim.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] },
      }));
      expect([add.result.status, remove.result.status]).toEqual([204, 204]);
      durations.push(add.ms, remove.ms);
    }
    durations.sort((a, b) => a - b);
    expect(durations[Math.floor(durations.length / 2)]).toBeLessThan(50);
    expect(await memberCount()).toBe(MEMBERS);
  });

  it('adds 1,000 members in one PATCH', async () => {
    const { result, ms } = await timed(() => scim.request('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: spare.map((value) => ({ $ref: null, value })) }] },
    }));
    expect(result.status).toBe(204);
    expect(ms).toBeLessThan(1000);
    expect(await memberCount()).toBe(MEMBERS + 1000);
  });

  it('finds the group by displayName without members, and by a member', async () => {
    const lookups: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { result, ms } = await timed(() => scim.request('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Everyone"')}`));
      expect(result.body.Resources[0]).not.toHaveProperty('members');
      lookups.push(ms);
    }
    expect(lookups.sort((a, b) => a - b)[2]).toBeLessThan(50);
    const byMember = await scim.request('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`members[value eq "${spare[0]}"]`)}`);
    expect(byMember.body.totalResults).toBe(1);
  });

  it('still returns every member when asked', async () => {
    const res = await scim.request('GET', `/Groups/${groupId}`);
    expect(res.body.members).toHaveLength(MEMBERS + 1000);
    expect(res.body.members[0]).toMatchObject({ type: 'User', display: expect.stringMatching(/^User /) });
  });
});
