import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAssignments, removeAssignments, upsertApplications } from '../../src/directory/applications.js';
import { changesSince, currentWatermark, writeDirectory, type DirectoryChange } from '../../src/directory/changes.js';
import { createDirectory } from '../../src/directory/directories.js';
import { addMemberships, removeMemberships } from '../../src/directory/memberships.js';
import {
  getUser, hardDeleteGroups, hardDeleteUsers, restoreUsers, softDeleteGroups, softDeleteUsers, upsertGroups, upsertUsers,
} from '../../src/directory/objects.js';
import { applicationRecord, groupRecord, userRecord, type UserRecord } from '../../src/directory/records.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t?.drop(); });

const user = (fields: Record<string, unknown> = {}): UserRecord =>
  userRecord.parse({ id: randomUUID(), userPrincipalName: `${randomUUID()}@contoso.com`, ...fields });
const group = (fields: Record<string, unknown> = {}) => groupRecord.parse({ id: randomUUID(), displayName: `g-${randomUUID()}`, ...fields });

async function newDirectory(): Promise<string> {
  return (await createDirectory(t.db, `dir-${randomUUID()}`)).id;
}

/** Runs a write and returns the changes it appended. */
async function changesOf(directoryId: string, write: Parameters<typeof writeDirectory>[2]): Promise<Array<Partial<DirectoryChange>>> {
  const before = await currentWatermark(t.db, directoryId);
  await writeDirectory(t.db, directoryId, write);
  const changes = await changesSince(t.db, directoryId, before, 1000);
  return changes.map(({ objectType, objectId, relatedId, relatedType, kind }) => ({ objectType, objectId, relatedId, relatedType, kind }));
}

describe('change feed: every write appends exactly the changes it made', () => {
  it('a new or changed user is one upsert; writing the same values again appends nothing', async () => {
    const dir = await newDirectory();
    const alice = user({ department: 'Sales', costCenter: 'C1' });
    expect(await changesOf(dir, (w) => upsertUsers(w, [alice]))).toEqual([
      { objectType: 'user', objectId: alice.id, relatedId: null, relatedType: null, kind: 'upsert' },
    ]);
    expect(await changesOf(dir, (w) => upsertUsers(w, [alice]))).toEqual([]);
    const moved = { ...alice, attributes: { ...alice.attributes, department: 'Marketing' } };
    const bob = user();
    // the last record of an id wins, so alice ends where she was and only bob is new
    expect(await changesOf(dir, (w) => upsertUsers(w, [moved, bob, alice, bob]))).toEqual([expect.objectContaining({ objectId: bob.id })]);
    expect((await getUser(t.db, dir, alice.id))?.attributes.department).toBe('Sales');
    expect(await changesOf(dir, (w) => upsertUsers(w, [moved]))).toEqual([expect.objectContaining({ objectId: alice.id, kind: 'upsert' })]);
    const extraChanged = { ...moved, extra: { costCenter: 'C2' } };
    expect(await changesOf(dir, (w) => upsertUsers(w, [extraChanged]))).toEqual([expect.objectContaining({ objectId: alice.id, kind: 'upsert' })]);
  });

  it('soft delete and restore append one change each, and none when already in that state', async () => {
    const dir = await newDirectory();
    const u = user();
    await writeDirectory(t.db, dir, (w) => upsertUsers(w, [u]));
    expect(await changesOf(dir, (w) => softDeleteUsers(w, [u.id]))).toEqual([expect.objectContaining({ objectId: u.id, kind: 'softDelete' })]);
    expect((await getUser(t.db, dir, u.id))?.deletedDateTime).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(await changesOf(dir, (w) => softDeleteUsers(w, [u.id]))).toEqual([]);
    expect(await changesOf(dir, (w) => restoreUsers(w, [u.id]))).toEqual([expect.objectContaining({ objectId: u.id, kind: 'restore' })]);
    expect(await changesOf(dir, (w) => restoreUsers(w, [u.id]))).toEqual([]);
    expect((await getUser(t.db, dir, u.id))?.deletedDateTime).toBeNull();
  });

  it('memberships and assignments append on add and removal, not when re-added', async () => {
    const dir = await newDirectory();
    const u = user();
    const g = group();
    const app = applicationRecord.parse({ id: randomUUID(), displayName: 'ThousandEyes' });
    await writeDirectory(t.db, dir, async (w) => { await upsertUsers(w, [u]); await upsertGroups(w, [g]); await upsertApplications(w, [app]); });

    const membership = { groupId: g.id, memberId: u.id };
    expect(await changesOf(dir, (w) => addMemberships(w, [membership]))).toEqual([
      { objectType: 'membership', objectId: g.id, relatedId: u.id, relatedType: 'user', kind: 'upsert' },
    ]);
    expect(await changesOf(dir, (w) => addMemberships(w, [membership]))).toEqual([]);
    expect(await changesOf(dir, (w) => removeMemberships(w, [membership]))).toEqual([
      { objectType: 'membership', objectId: g.id, relatedId: u.id, relatedType: 'user', kind: 'hardDelete' },
    ]);

    const assignment = { appId: app.id, principalId: g.id, appRoleId: '18d14569-c3bd-439b-9a66-3a2aee01d14f' };
    expect(await changesOf(dir, (w) => addAssignments(w, [assignment]))).toEqual([
      { objectType: 'assignment', objectId: app.id, relatedId: g.id, relatedType: 'group', kind: 'upsert' },
    ]);
    expect(await changesOf(dir, (w) => addAssignments(w, [assignment]))).toEqual([]);
    expect(await changesOf(dir, (w) => removeAssignments(w, [{ appId: app.id, principalId: g.id }]))).toEqual([
      { objectType: 'assignment', objectId: app.id, relatedId: g.id, relatedType: 'group', kind: 'hardDelete' },
    ]);
  });

  it('a hard-deleted user takes its memberships and assignments along, each with a change, and its reports lose their manager', async () => {
    const dir = await newDirectory();
    const boss = user();
    const report = user({ manager: boss.id });
    const g = group();
    const app = applicationRecord.parse({ id: randomUUID(), displayName: 'App' });
    await writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, [boss, report]);
      await upsertGroups(w, [g]);
      await upsertApplications(w, [app]);
      await addMemberships(w, [{ groupId: g.id, memberId: boss.id }]);
      await addAssignments(w, [{ appId: app.id, principalId: boss.id, appRoleId: '00000000-0000-0000-0000-000000000000' }]);
    });
    const changes = await changesOf(dir, (w) => hardDeleteUsers(w, [boss.id]));
    expect(changes).toEqual([
      { objectType: 'membership', objectId: g.id, relatedId: boss.id, relatedType: 'user', kind: 'hardDelete' },
      { objectType: 'assignment', objectId: app.id, relatedId: boss.id, relatedType: 'user', kind: 'hardDelete' },
      { objectType: 'user', objectId: report.id, relatedId: null, relatedType: null, kind: 'upsert' },
      { objectType: 'user', objectId: boss.id, relatedId: null, relatedType: null, kind: 'hardDelete' },
    ]);
    expect(await getUser(t.db, dir, boss.id)).toBeUndefined();
    expect((await getUser(t.db, dir, report.id))?.attributes.manager).toBeNull();
    const [{ n }] = await t.sql`select count(*)::int as n from directory_memberships where directory_id = ${dir}` as unknown as [{ n: number }];
    expect(n).toBe(0);
  });

  it('a hard-deleted group loses its members and its own memberships in other groups', async () => {
    const dir = await newDirectory();
    const u = user();
    const parent = group();
    const child = group();
    await writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, [u]);
      await upsertGroups(w, [parent, child]);
      await addMemberships(w, [{ groupId: child.id, memberId: u.id }, { groupId: parent.id, memberId: child.id }]);
    });
    const changes = await changesOf(dir, (w) => hardDeleteGroups(w, [child.id]));
    expect(changes).toHaveLength(3);
    expect(changes).toContainEqual({ objectType: 'membership', objectId: child.id, relatedId: u.id, relatedType: 'user', kind: 'hardDelete' });
    expect(changes).toContainEqual({ objectType: 'membership', objectId: parent.id, relatedId: child.id, relatedType: 'group', kind: 'hardDelete' });
    expect(changes.at(-1)).toEqual({ objectType: 'group', objectId: child.id, relatedId: null, relatedType: null, kind: 'hardDelete' });
  });

  it('unknown ids are rejected and append nothing', async () => {
    const dir = await newDirectory();
    const ghost = randomUUID();
    for (const write of [softDeleteUsers, restoreUsers, hardDeleteUsers, softDeleteGroups, hardDeleteGroups]) {
      const before = await currentWatermark(t.db, dir);
      const rejected = await writeDirectory(t.db, dir, (w) => write(w, [ghost]));
      expect(rejected).toEqual([{ position: 0, reason: 'notFound', error: expect.stringContaining(ghost) }]);
      expect(await currentWatermark(t.db, dir)).toBe(before);
    }
  });

  it('a rolled-back write leaves neither the object nor its change', async () => {
    const dir = await newDirectory();
    const u = user();
    const before = await currentWatermark(t.db, dir);
    await expect(writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, [u]);
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await currentWatermark(t.db, dir)).toBe(before);
    expect(await getUser(t.db, dir, u.id)).toBeUndefined();
  });
});

describe('change feed: reading', () => {
  it('changesSince pages by sequence number, only for its own directory', async () => {
    const dir = await newDirectory();
    const other = await newDirectory();
    const users = Array.from({ length: 25 }, () => user());
    for (const u of users) {
      await writeDirectory(t.db, dir, (w) => upsertUsers(w, [u]));
      await writeDirectory(t.db, other, (w) => upsertUsers(w, [user()]));
    }
    const seen: string[] = [];
    let watermark = '0';
    for (;;) {
      const page = await changesSince(t.db, dir, watermark, 10);
      if (page.length === 0) break;
      seen.push(...page.map((c) => c.objectId));
      watermark = page.at(-1)!.seq;
    }
    expect(seen).toEqual(users.map((u) => u.id));
    expect(watermark).toBe(await currentWatermark(t.db, dir));
    expect(await currentWatermark(t.db, await newDirectory())).toBe('0');
  });

  it('is one range scan of the feed index', async () => {
    const dir = await newDirectory();
    await t.sql`set enable_seqscan = off`;
    const plan = await t.sql.unsafe(`explain select seq from directory_changes where directory_id = '${dir}' and seq > 5 order by seq limit 100`);
    await t.sql`reset enable_seqscan`;
    expect(plan.map((r) => Object.values(r)[0]).join('\n')).toContain('directory_changes_feed_idx');
  });

  it('a reader polling during concurrent writes collects every change exactly once', async () => {
    const dir = await newDirectory();
    let writing = true;
    const writers = Array.from({ length: 6 }, async () => {
      for (let i = 0; i < 60; i++) await writeDirectory(t.db, dir, (w) => upsertUsers(w, [user()]));
    });
    const collected: string[] = [];
    let watermark = '0';
    const poll = async () => {
      const page = await changesSince(t.db, dir, watermark, 1000);
      collected.push(...page.map((c) => c.seq));
      watermark = page.at(-1)?.seq ?? watermark;
    };
    const reader = (async () => { while (writing) await poll(); })();
    await Promise.all(writers);
    writing = false;
    await reader;
    await poll();
    const all = await t.sql`select c.seq::text as seq from directory_changes c where c.directory_id = ${dir} order by c.seq`;
    expect(all).toHaveLength(360);
    expect(collected).toEqual(all.map((r) => r.seq));
  });

  it('a reader never sees a later change before an earlier one commits: writers of a directory are serialised', async () => {
    const dir = await newDirectory();
    const first = user();
    const second = user();
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
    let firstWrote!: () => void;
    const firstInFlight = new Promise<void>((resolve) => { firstWrote = resolve; });

    const slow = writeDirectory(t.db, dir, async (w) => {
      await upsertUsers(w, [first]);
      firstWrote();
      await firstHeld;
    });
    await firstInFlight;
    let secondDone = false;
    const fast = writeDirectory(t.db, dir, (w) => upsertUsers(w, [second])).then(() => { secondDone = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(secondDone).toBe(false);
    expect(await changesSince(t.db, dir, '0', 10)).toEqual([]);

    releaseFirst();
    await Promise.all([slow, fast]);
    const changes = await changesSince(t.db, dir, '0', 10);
    expect(changes.map((c) => c.objectId)).toEqual([first.id, second.id]);
  });
});
