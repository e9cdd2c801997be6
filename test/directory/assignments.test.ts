import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAssignments, assignedPrincipalsAmong, readAssignedPrincipals, upsertApplications, type AssignedPrincipal,
} from '../../src/directory/applications.js';
import { writeDirectory } from '../../src/directory/changes.js';
import { createDirectory } from '../../src/directory/directories.js';
import { addMemberships } from '../../src/directory/memberships.js';
import { softDeleteGroups, upsertGroups, upsertUsers } from '../../src/directory/objects.js';
import { applicationRecord, DEFAULT_ACCESS_ROLE_ID, groupRecord, USER_ROLE_ID, userRecord } from '../../src/directory/records.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t?.drop(); });

/** Every page of the assignment scope, walked the way the engine walks it. */
async function walk(dir: string, appId: string, limit: number): Promise<AssignedPrincipal[]> {
  const all: AssignedPrincipal[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await readAssignedPrincipals(t.db, dir, appId, after, limit);
    all.push(...page);
    if (page.length < limit) return all;
    after = page.at(-1)!.principalId;
  }
}

describe('assigned principals', () => {
  it('are direct user and group assignments plus the direct user members of assigned groups, nested groups not expanded', async () => {
    const { id: dir } = await createDirectory(t.db, 'scope');
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID() as string) as [string, string, string, string, string, string];
    const [direct, viaGroup, both, nestedOnly, unassigned, deletedGroupMember] = ids(6);
    const [sales, nested, gone] = ids(3);
    const admin = randomUUID();
    const appId = randomUUID();
    await writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, [direct, viaGroup, both, nestedOnly, unassigned, deletedGroupMember]
        .map((id) => userRecord.parse({ id, userPrincipalName: `${id}@contoso.com` })));
      await upsertGroups(w, [sales, nested, gone].map((id) => groupRecord.parse({ id, displayName: id })));
      await upsertApplications(w, [applicationRecord.parse({ id: appId, displayName: 'App', appRoles: [{ id: admin, value: 'Admin', displayName: 'Admin' }] })]);
      await addMemberships(w, [
        { groupId: sales, memberId: viaGroup }, { groupId: sales, memberId: both }, { groupId: sales, memberId: nested },
        { groupId: nested, memberId: nestedOnly }, { groupId: gone, memberId: deletedGroupMember },
      ]);
      expect(await addAssignments(w, [
        { appId, principalId: direct, appRoleId: DEFAULT_ACCESS_ROLE_ID },
        { appId, principalId: both, appRoleId: admin },
        { appId, principalId: sales, appRoleId: USER_ROLE_ID },
        { appId, principalId: gone, appRoleId: USER_ROLE_ID },
      ])).toEqual([]);
      await softDeleteGroups(w, [gone]);
    });

    const expected = ([
      { principalId: direct, principalType: 'user', appRoleIds: [DEFAULT_ACCESS_ROLE_ID] },
      { principalId: viaGroup, principalType: 'user', appRoleIds: [USER_ROLE_ID] },
      { principalId: both, principalType: 'user', appRoleIds: [admin, USER_ROLE_ID].sort() },
      { principalId: sales, principalType: 'group', appRoleIds: [USER_ROLE_ID] },
      { principalId: gone, principalType: 'group', appRoleIds: [USER_ROLE_ID] },
    ] satisfies AssignedPrincipal[]).sort((a, b) => a.principalId.localeCompare(b.principalId));
    expect(await walk(dir, appId, 100)).toEqual(expected);
    for (const limit of [1, 2, 3]) expect(await walk(dir, appId, limit)).toEqual(expected);

    expect(await assignedPrincipalsAmong(t.db, dir, appId, [both, nestedOnly, unassigned, deletedGroupMember]))
      .toEqual([{ principalId: both, principalType: 'user', appRoleIds: [admin, USER_ROLE_ID].sort() }]);
  });

  it('pages through a large group assignment in order without repeating anyone', async () => {
    const { id: dir } = await createDirectory(t.db, 'big');
    const appId = randomUUID();
    const groups = [randomUUID(), randomUUID()];
    const users = Array.from({ length: 3000 }, () => randomUUID());
    await writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, users.map((id, i) => userRecord.parse({ id, userPrincipalName: `u${i}@contoso.com` })));
      await upsertGroups(w, groups.map((id) => groupRecord.parse({ id, displayName: id })));
      await upsertApplications(w, [applicationRecord.parse({ id: appId, displayName: 'App' })]);
      await addMemberships(w, users.map((memberId, i) => ({ groupId: groups[i % 2]!, memberId })));
      await addAssignments(w, [
        ...groups.map((principalId) => ({ appId, principalId, appRoleId: USER_ROLE_ID })),
        ...users.slice(0, 500).map((principalId) => ({ appId, principalId, appRoleId: DEFAULT_ACCESS_ROLE_ID })),
      ]);
    });
    const all = await walk(dir, appId, 250);
    const ids = all.map((p) => p.principalId);
    expect(ids).toEqual([...users, ...groups].sort());
    expect(all.filter((p) => p.appRoleIds.length === 2)).toHaveLength(500);
  });
});
