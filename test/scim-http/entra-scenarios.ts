import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type ScimClient } from './client.js';

/**
 * The request sequences of entra-provisioning.md §7, as Entra sends them, against a real
 * server. The two dialects differ only in the PATCH bodies below; `aadOptscim062020` also
 * rides on the tenant URL as a query parameter, so every request of that suite carries it.
 */
export type Dialect = 'legacy' | 'aadOptscim062020';

const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

interface DialectBodies {
  updateUser(email: string, familyName: string): unknown;
  setManager(managerId: string): unknown;
  disable: unknown;
  addMembers(ids: string[]): unknown;
  removeMember(id: string): unknown;
  renameGroup(id: string, name: string): unknown;
}

const bodies: Record<Dialect, DialectBodies> = {
  legacy: {
    updateUser: (email, familyName) => patchOp(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
      { op: 'Replace', path: 'name.familyName', value: familyName },
    ),
    setManager: (id) => patchOp({ op: 'Add', path: 'manager', value: [{ $ref: null, value: id }] }),
    disable: patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    addMembers: (ids) => patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }),
    removeMember: (id) => patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: id }] }),
    renameGroup: (_id, name) => patchOp({ op: 'Replace', path: 'displayName', value: name }),
  },
  aadOptscim062020: {
    updateUser: (email, familyName) => patchOp(
      { op: 'replace', path: 'emails[type eq "work"].value', value: email },
      { op: 'replace', value: { 'name.familyName': familyName, [`${ENTERPRISE}:employeeNumber`]: '7' } },
    ),
    setManager: (id) => patchOp({ op: 'replace', path: `${ENTERPRISE}:manager`, value: id }),
    disable: patchOp({ op: 'replace', path: 'active', value: false }),
    addMembers: (ids) => patchOp({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }),
    removeMember: (id) => patchOp({ op: 'remove', path: `members[value eq "${id}"]` }),
    renameGroup: (id, name) => patchOp({ op: 'replace', value: { id, displayName: name } }),
  },
};

/** Entra's create-user body (Microsoft's SCIM validator request, core + enterprise). */
function entraUser(n: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: `ext-${n}`,
    userName: `Test_User_${n}@contoso.example`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${n}@testuser.example` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    title: 'Engineer',
    [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D' },
  };
}

const filterQuery = (filter: string, extra = '') => `?${extra}filter=${encodeURIComponent(filter)}`;

export function describeEntraDialect(dialect: Dialect): void {
  const body = bodies[dialect];
  let app: TestApp;
  let scim: ScimClient;
  const n = randomUUID();
  let userId: string;
  let managerId: string;
  let memberIds: string[];
  let groupId: string;
  const groupName = `Group ${n}`;

  beforeAll(async () => {
    app = await startTestApp();
    scim = await createTenant(app, `entra-${dialect}`, dialect === 'aadOptscim062020' ? '?aadOptscim062020' : '');
    const others = await Promise.all([1, 2, 3, 4].map((i) => scim.request('POST', '/Users', { body: entraUser(`${n}-${i}`) })));
    [managerId, ...memberIds] = others.map((r) => r.body.id as string) as [string, ...string[]];
  });
  afterAll(async () => { await app?.close(); });

  describe.sequential(`Entra ${dialect} dialect`, () => {
    it('test connection: a filter on a random userName answers 200 with an empty list', async () => {
      const res = await scim.request('GET', `/Users${filterQuery(`userName eq "${randomUUID()}"`)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] });
      const groups = await scim.request('GET', `/Groups${filterQuery(`displayName eq "${randomUUID()}"`, 'excludedAttributes=members&')}`);
      expect(groups.status).toBe(200);
      expect(groups.body.totalResults).toBe(0);
    });

    it('match user: not found yet, by userName', async () => {
      const res = await scim.request('GET', `/Users${filterQuery(`userName eq "Test_User_${n}@contoso.example"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(0);
    });

    it('create user with core and enterprise attributes: 201 with id, Location and ETag', async () => {
      const res = await scim.request('POST', '/Users', { body: entraUser(n) });
      expect(res.status).toBe(201);
      userId = res.body.id;
      expect(res.headers.get('location')).toBe(res.body.meta.location);
      expect(res.headers.get('etag')).toBe('W/"1"');
      expect(res.body).toMatchObject({
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: `Test_User_${n}@contoso.example`,
        active: true,
        [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D' },
        meta: { resourceType: 'User', version: 'W/"1"' },
      });
    });

    it('match user by userName (any case), externalId and work email: exactly one result', async () => {
      for (const filter of [
        `userName eq "test_user_${n}@CONTOSO.example"`,
        `externalId eq "ext-${n}"`,
        `emails[type eq "work"].value eq "Test_User_${n}@testuser.example"`,
      ]) {
        const res = await scim.request('GET', `/Users${filterQuery(filter)}`);
        expect(res.status, filter).toBe(200);
        expect(res.body.totalResults, filter).toBe(1);
        expect(res.body.Resources[0].id, filter).toBe(userId);
      }
    });

    it('read user: 200 with ETag', async () => {
      const res = await scim.request('GET', `/Users/${userId}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(res.body.meta.version);
      expect(res.body.name).toEqual({ formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' });
    });

    it('update user: work email and family name, answered 200 with the resource', async () => {
      const res = await scim.request('PATCH', `/Users/${userId}`, { body: body.updateUser(`updated-${n}@work.example`, 'updatedFamilyName') });
      expect(res.status).toBe(200);
      expect(res.body.emails).toEqual([{ primary: true, type: 'work', value: `updated-${n}@work.example` }]);
      expect(res.body.name.familyName).toBe('updatedFamilyName');
      expect(res.body.meta.version).toBe('W/"2"');
      const match = await scim.request('GET', `/Users${filterQuery(`emails[type eq "work"].value eq "updated-${n}@work.example"`)}`);
      expect(match.body.totalResults).toBe(1);
    });

    it('set manager', async () => {
      const res = await scim.request('PATCH', `/Users/${userId}`, { body: body.setManager(managerId) });
      expect(res.status).toBe(200);
      expect(res.body[ENTERPRISE].manager).toMatchObject({ value: managerId });
      const byManager = await scim.request('GET', `/Users${filterQuery(`${ENTERPRISE}:manager.value eq "${managerId}"`)}`);
      expect(byManager.body.Resources.map((r: { id: string }) => r.id)).toEqual([userId]);
    });

    it('set manager in the other form too (array vs string)', async () => {
      const other = dialect === 'legacy'
        ? patchOp({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: managerId })
        : patchOp({ op: 'add', path: 'manager', value: [{ $ref: null, value: managerId }] });
      const res = await scim.request('PATCH', `/Users/${userId}`, { body: other });
      expect(res.status).toBe(200);
      expect(res.body[ENTERPRISE].manager).toMatchObject({ value: managerId });
    });

    it('disable user: active false, still returned by queries', async () => {
      const res = await scim.request('PATCH', `/Users/${userId}`, { body: body.disable });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
      const again = await scim.request('GET', `/Users${filterQuery(`userName eq "Test_User_${n}@contoso.example"`)}`);
      expect(again.body.Resources[0]).toMatchObject({ id: userId, active: false });
    });

    it('disable also accepts the other boolean form (JSON false vs "False")', async () => {
      const other = dialect === 'legacy'
        ? patchOp({ op: 'Replace', path: 'active', value: false })
        : patchOp({ op: 'Replace', path: 'active', value: 'False' });
      const res = await scim.request('PATCH', `/Users/${memberIds[2]}`, { body: other });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
    });

    it('match group: none yet, and the list never carries members', async () => {
      const res = await scim.request('GET', `/Groups${filterQuery(`displayName eq "${groupName}"`, 'excludedAttributes=members&')}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(0);
    });

    it('create group: 201 without members', async () => {
      const res = await scim.request('POST', '/Groups', {
        body: {
          schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
          externalId: `g-${n}`,
          displayName: groupName,
          meta: { resourceType: 'Group' },
        },
      });
      expect(res.status).toBe(201);
      groupId = res.body.id;
      expect(res.body).toMatchObject({ displayName: groupName, externalId: `g-${n}`, meta: { resourceType: 'Group' } });
      expect(res.body.members).toBeUndefined();
    });

    it('add several members in one request: 204', async () => {
      const res = await scim.request('PATCH', `/Groups/${groupId}`, { body: body.addMembers(memberIds) });
      expect(res.status).toBe(204);
      expect(res.headers.get('etag')).toBe('W/"2"');
      const group = await scim.request('GET', `/Groups/${groupId}`);
      expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...memberIds].sort());
    });

    it('match group by displayName with excludedAttributes=members: the group, without members', async () => {
      const res = await scim.request('GET', `/Groups${filterQuery(`displayName eq "${groupName.toUpperCase()}"`, 'excludedAttributes=members&')}`);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(groupId);
      expect(res.body.Resources[0].members).toBeUndefined();
      const byId = await scim.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
      expect(byId.body.members).toBeUndefined();
    });

    it('rename group: 204', async () => {
      const res = await scim.request('PATCH', `/Groups/${groupId}`, { body: body.renameGroup(groupId, `${groupName} renamed`) });
      expect(res.status).toBe(204);
      const group = await scim.request('GET', `/Groups/${groupId}?attributes=displayName`);
      expect(group.body).toMatchObject({ id: groupId, displayName: `${groupName} renamed` });
    });

    it('remove a member: only that member leaves', async () => {
      const res = await scim.request('PATCH', `/Groups/${groupId}`, { body: body.removeMember(memberIds[0]!) });
      expect(res.status).toBe(204);
      const group = await scim.request('GET', `/Groups/${groupId}`);
      expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual(memberIds.slice(1).sort());
    });

    it('delete user: 204, then 404 as a SCIM error, and an empty (not 404) filter result', async () => {
      expect((await scim.request('DELETE', `/Users/${userId}`)).status).toBe(204);
      const read = await scim.request('GET', `/Users/${userId}`);
      expect(read.status).toBe(404);
      expect(read.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
      const match = await scim.request('GET', `/Users${filterQuery(`userName eq "Test_User_${n}@contoso.example"`)}`);
      expect(match.status).toBe(200);
      expect(match.body.totalResults).toBe(0);
    });

    it('delete group: 204, then 404', async () => {
      expect((await scim.request('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await scim.request('GET', `/Groups/${groupId}`)).status).toBe(404);
      const [{ n: rows }] = await app.db.sql`select count(*)::int as n from scim_group_members where group_id = ${groupId}` as unknown as [{ n: number }];
      expect(rows).toBe(0);
    });
  });
}
