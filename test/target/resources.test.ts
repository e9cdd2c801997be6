import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../../src/db/schema.js';
import { ResourceService, type TenantScope } from '../../src/target/resources.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let db: TestDatabase;
let service: ResourceService;
let acme: TenantScope;
let other: TenantScope;

const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, ...extra });
const group = (displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

beforeAll(async () => {
  db = await createTestDatabase();
  service = new ResourceService(db.db);
  const [a, b] = await db.sql`insert into tenants (name) values ('acme'), ('other') returning id` as unknown as [{ id: string }, { id: string }];
  acme = { tenantId: a.id, baseUrl: 'https://scim.example/scim/v2' };
  other = { tenantId: b.id, baseUrl: 'https://scim.example/scim/v2' };
});
afterAll(async () => { await db?.drop(); });

describe('users', () => {
  it('creates a user with id, meta and the indexed columns filled from the document', async () => {
    const created = await service.create(acme, 'User', user('Ada@Example.com', {
      externalId: 'ada', emails: [{ value: 'ada@work.example', type: 'work' }], name: { formatted: 'Ada L' }, active: 'True',
    }));
    expect(created.resource).toMatchObject({
      schemas: [USER_SCHEMA], userName: 'Ada@Example.com', active: true,
      meta: { resourceType: 'User', version: 'W/"1"', location: `https://scim.example/scim/v2/Users/${created.resource.id}` },
    });
    expect(created.etag).toBe('W/"1"');
    const [row] = await db.sql`select user_name, work_email, name_formatted, external_id, active from scim_users where id = ${created.resource.id as string}`;
    expect(row).toEqual({ user_name: 'Ada@Example.com', work_email: 'ada@work.example', name_formatted: 'Ada L', external_id: 'ada', active: true });
  });

  it('refuses a second userName differing only in case with 409 uniqueness, even when sent concurrently', async () => {
    const results = await Promise.allSettled(['Race@x', 'RACE@x', 'race@X'].map((n) => service.create(acme, 'User', user(n))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 409, scimType: 'uniqueness' });
    }
  });

  it('lets two tenants have the same userName, and hides each other\'s users as 404', async () => {
    const mine = await service.create(acme, 'User', user('shared@x'));
    await service.create(other, 'User', user('shared@x'));
    await expect(service.get(other, 'User', mine.resource.id as string)).rejects.toMatchObject({ status: 404 });
    await expect(service.patch(other, 'User', mine.resource.id as string, patch({ op: 'replace', path: 'active', value: false }))).rejects.toMatchObject({ status: 404 });
    await expect(service.delete(other, 'User', mine.resource.id as string)).rejects.toMatchObject({ status: 404 });
    const list = await service.query(other, 'User', { filter: 'userName eq "shared@x"' });
    expect(list.totalResults).toBe(1);
    expect(list.resources[0]!.id).not.toBe(mine.resource.id);
  });

  it('bumps the version on a real change only, and honours If-Match', async () => {
    const { resource } = await service.create(acme, 'User', user('versioned@x'));
    const id = resource.id as string;
    const same = await service.patch(acme, 'User', id, patch({ op: 'replace', path: 'userName', value: 'versioned@x' }));
    expect(same.version).toBe(1);
    const changed = await service.patch(acme, 'User', id, patch({ op: 'replace', path: 'displayName', value: 'V' }), { ifMatch: 'W/"1"' });
    expect(changed.version).toBe(2);
    await expect(service.patch(acme, 'User', id, patch({ op: 'replace', path: 'displayName', value: 'W' }), { ifMatch: 'W/"1"' }))
      .rejects.toMatchObject({ status: 412 });
    await expect(service.delete(acme, 'User', id, { ifMatch: '"7"' })).rejects.toMatchObject({ status: 412 });
    expect((await service.get(acme, 'User', id)).resource.displayName).toBe('V');
  });

  it('loses no update when many PATCHes of one user race (optimistic writes retry, then lock)', async () => {
    const { resource } = await service.create(acme, 'User', user('raced@x'));
    const id = resource.id as string;
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      service.patch(acme, 'User', id, patch({ op: 'add', path: 'emails', value: [{ value: `e${i}@x`, type: 'other' }] }))));
    const after = await service.get(acme, 'User', id);
    expect((after.resource.emails as unknown[]).length).toBe(20);
    expect(after.version).toBe(21);
  });

  it('keeps a failed PATCH from changing anything (all operations or none)', async () => {
    const { resource } = await service.create(acme, 'User', user('atomic@x', { displayName: 'Before' }));
    await expect(service.patch(acme, 'User', resource.id as string, patch(
      { op: 'replace', path: 'displayName', value: 'After' },
      { op: 'replace', path: 'nope.nope', value: 1 },
    ))).rejects.toMatchObject({ status: 400 });
    const after = await service.get(acme, 'User', resource.id as string);
    expect(after.resource.displayName).toBe('Before');
    expect(after.version).toBe(1);
  });
});

describe('groups and members', () => {
  let alice: string;
  let bob: string;
  let carol: string;
  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async (n) =>
      (await service.create(acme, 'User', user(n, { displayName: n.toUpperCase() }))).resource.id as string)) as [string, string, string];
  });

  it('creates a group with members and reads them back with display names and $refs', async () => {
    const created = await service.create(acme, 'Group', group('Readers', { members: [{ value: alice }, { value: bob, type: 'User' }] }));
    const members = created.resource.members as Array<Record<string, unknown>>;
    expect(members).toHaveLength(2);
    expect(members).toContainEqual({ value: alice, type: 'User', display: 'ALICE', $ref: `https://scim.example/scim/v2/Users/${alice}` });
    const withoutMembers = await service.get(acme, 'Group', created.resource.id as string, { withMembers: false });
    expect(withoutMembers.resource.members).toBeUndefined();
  });

  it('refuses members that are not in the tenant with 400 invalidValue, changing nothing', async () => {
    const { resource } = await service.create(acme, 'Group', group('Strict'));
    const foreign = (await service.create(other, 'User', user('foreigner'))).resource.id as string;
    for (const value of [foreign, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      await expect(service.patch(acme, 'Group', resource.id as string, patch({ op: 'add', path: 'members', value: [{ value: alice }, { value }] })))
        .rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
    }
    expect((await service.get(acme, 'Group', resource.id as string)).resource.members).toBeUndefined();
    await expect(service.create(acme, 'Group', group('Strict2', { members: [{ value: foreign }] }))).rejects.toMatchObject({ status: 400 });
    expect((await service.query(acme, 'Group', { filter: 'displayName eq "Strict2"' })).totalResults).toBe(0);
  });

  it('removes only the members named in a legacy value array, and by value filter', async () => {
    const { resource } = await service.create(acme, 'Group', group('Team', { members: [{ value: alice }, { value: bob }, { value: carol }] }));
    const id = resource.id as string;
    await service.patch(acme, 'Group', id, patch({ op: 'Remove', path: 'members', value: [{ value: alice }] }));
    await service.patch(acme, 'Group', id, patch({ op: 'remove', path: `members[value eq "${bob}"]` }));
    const after = await service.get(acme, 'Group', id);
    expect((after.resource.members as Array<{ value: string }>).map((m) => m.value)).toEqual([carol]);
    expect(after.version).toBe(3);
  });

  it('counts a member change as a change of the group (version), and a no-op add as none', async () => {
    const { resource } = await service.create(acme, 'Group', group('Counted', { members: [{ value: alice }] }));
    const id = resource.id as string;
    expect((await service.patch(acme, 'Group', id, patch({ op: 'add', path: 'members', value: [{ value: alice }] }))).version).toBe(1);
    expect((await service.patch(acme, 'Group', id, patch({ op: 'add', path: 'members', value: [{ value: bob }] }))).version).toBe(2);
  });

  it('deleting a user removes its memberships and bumps those groups\' versions, in one step', async () => {
    const dave = (await service.create(acme, 'User', user('dave'))).resource.id as string;
    const { resource } = await service.create(acme, 'Group', group('WithDave', { members: [{ value: dave }, { value: alice }] }));
    await service.delete(acme, 'User', dave);
    const after = await service.get(acme, 'Group', resource.id as string);
    expect((after.resource.members as Array<{ value: string }>).map((m) => m.value)).toEqual([alice]);
    expect(after.version).toBe(2);
    const [{ n }] = await db.sql`select count(*)::int as n from scim_group_members where member_id = ${dave}` as unknown as [{ n: number }];
    expect(n).toBe(0);
  });

  it('PUT replaces the member list; leaving members out keeps them', async () => {
    const { resource } = await service.create(acme, 'Group', group('Put', { members: [{ value: alice }, { value: bob }] }));
    const id = resource.id as string;
    const kept = await service.replace(acme, 'Group', id, group('Put renamed'));
    expect((kept.resource.members as unknown[]).length).toBe(2);
    const replaced = await service.replace(acme, 'Group', id, group('Put renamed', { members: [{ value: bob }, { value: carol }] }));
    expect((replaced.resource.members as Array<{ value: string }>).map((m) => m.value).sort()).toEqual([bob, carol].sort());
    await expect(service.replace(acme, 'Group', id, group('readers'))).rejects.toMatchObject({ status: 409, scimType: 'uniqueness' });
  });
});

describe('queries', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 12; i++) await service.create(other, 'User', user(`page${String(i).padStart(2, '0')}@x`, { title: i % 2 ? 'odd' : 'even' }));
  });

  it('pages with startIndex/count, sorts, and reports totals', async () => {
    const first = await service.query(other, 'User', { filter: 'userName sw "page"', sortBy: 'userName', count: 5 });
    expect(first).toMatchObject({ totalResults: 12, startIndex: 1, itemsPerPage: 5 });
    expect(first.resources.map((r) => r.userName)).toEqual(['page01@x', 'page02@x', 'page03@x', 'page04@x', 'page05@x']);
    const last = await service.query(other, 'User', { filter: 'userName sw "page"', sortBy: 'userName', sortOrder: 'descending', startIndex: 11, count: 5 });
    expect(last.resources.map((r) => r.userName)).toEqual(['page02@x', 'page01@x']);
    const beyond = await service.query(other, 'User', { filter: 'userName sw "page"', startIndex: 50 });
    expect(beyond).toMatchObject({ totalResults: 12, itemsPerPage: 0, resources: [] });
    const totals = await service.query(other, 'User', { filter: 'title eq "odd"', count: 0 });
    expect(totals).toMatchObject({ totalResults: 6, itemsPerPage: 0, resources: [] });
    const clamped = await service.query(other, 'User', { count: 5000, startIndex: -3 });
    expect(clamped.startIndex).toBe(1);
  });

  it('searches across resource types at the root, skipping types that lack the attribute', async () => {
    await service.create(other, 'Group', group('page group'));
    const byName = await service.query(other, undefined, { filter: 'userName eq "page01@x"' });
    expect(byName.resources.map((r) => r.userName)).toEqual(['page01@x']);
    const all = await service.query(other, undefined, { filter: 'meta.resourceType eq "Group" or userName sw "page0"', count: 100 });
    expect(all.totalResults).toBe(10);
    expect(all.resources.at(-1)!.displayName).toBe('page group');
    await expect(service.query(other, undefined, { filter: 'nosuch eq 1' })).rejects.toMatchObject({ scimType: 'invalidFilter' });
  });
});

describe('a member change of a large group', () => {
  it('reads only the members it changes, not the group\'s 20,000 members', async () => {
    const [{ id: groupId }] = await db.sql`
      insert into scim_groups (tenant_id, display_name, resource)
      values (${acme.tenantId}, 'Everyone', ${JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Everyone' })}::jsonb) returning id` as unknown as [{ id: string }];
    await db.sql`
      with u as (
        insert into scim_users (tenant_id, user_name, resource)
        select ${acme.tenantId}, 'bulk' || i, jsonb_build_object('schemas', jsonb_build_array(${USER_SCHEMA}::text), 'userName', 'bulk' || i)
        from generate_series(1, 20001) i returning id
      )
      insert into scim_group_members (group_id, member_id, member_type, tenant_id)
      select ${groupId}, id, 'User', ${acme.tenantId} from u`;
    await db.sql`analyze`;
    const [{ id: newcomer }] = await db.sql`select id from scim_users where user_name = 'bulk20001'` as unknown as [{ id: string }];
    await db.sql`delete from scim_group_members where member_id = ${newcomer}`;

    // the same service over a connection that records every statement it sends
    const statements: Array<{ query: string; params: unknown[] }> = [];
    const recordingClient = postgres(db.url, { max: 1, onnotice: () => {}, debug: (_connection, query, params) => statements.push({ query, params }) });
    const recording = new ResourceService(drizzle(recordingClient, { schema }));
    const body = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: newcomer }] }] };
    await recording.patch(acme, 'Group', groupId, body, { withMembers: false });
    await recording.patch(acme, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${newcomer}"]` }] }, { withMembers: false });
    await recordingClient.end();

    // replay each statement under EXPLAIN ANALYZE in a rolled-back transaction
    let rowsRead = 0;
    const memberStatements = statements.filter((s) => /scim_group_members/.test(s.query));
    expect(memberStatements.length).toBeGreaterThanOrEqual(2);
    for (const { query, params } of memberStatements) {
      await db.sql.begin(async (tx) => {
        const [plan] = await tx.unsafe(`explain (analyze, format json) ${query}`, params as never[]);
        rowsRead += memberRowsRead((plan as Record<string, unknown>)['QUERY PLAN']);
        throw new Rollback();
      }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
    }
    expect(rowsRead).toBeLessThan(10);
    const [{ n }] = await db.sql`select count(*)::int as n from scim_group_members where group_id = ${groupId}` as unknown as [{ n: number }];
    expect(n).toBe(20000);
  });
});

class Rollback extends Error {}

/** Rows produced by plan nodes that read scim_group_members. */
function memberRowsRead(plan: unknown): number {
  let total = 0;
  const visit = (node: Record<string, unknown>) => {
    if (node['Relation Name'] === 'scim_group_members') total += Number(node['Actual Rows']) * Number(node['Actual Loops'] ?? 1);
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) visit(child);
  };
  for (const entry of plan as Array<{ Plan: Record<string, unknown> }>) visit(entry.Plan);
  return total;
}
