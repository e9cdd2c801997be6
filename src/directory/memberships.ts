import { sql } from 'drizzle-orm';
import type { DirectoryWrite, Queryable } from './changes.js';
import type { MembershipRecord, Rejection } from './records.js';

export interface GroupMember {
  memberId: string;
  memberType: 'user' | 'group';
}

const input = (records: readonly MembershipRecord[]) => sql`
  select (ordinality - 1)::int as position, (value->>'groupId')::uuid as group_id, (value->>'memberId')::uuid as member_id
  from jsonb_array_elements(${JSON.stringify(records)}::jsonb) with ordinality`;

/**
 * Adds direct memberships. The member may be a user or a group of the same directory;
 * a reference to anything unknown is rejected. Existing memberships append no change.
 */
export async function addMemberships(w: DirectoryWrite, records: readonly MembershipRecord[]): Promise<Rejection[]> {
  if (records.length === 0) return [];
  const dir = w.directoryId;
  const rows = await w.tx.execute<{ position: number; group_id: string; member_id: string; group_found: boolean; member_type: string | null }>(sql`
    with input as (${input(records)}),
    resolved as (
      select i.position, i.group_id, i.member_id,
        exists (select 1 from directory_groups g where g.directory_id = ${dir} and g.id = i.group_id) as group_found,
        case
          when exists (select 1 from directory_users u where u.directory_id = ${dir} and u.id = i.member_id) then 'user'
          when exists (select 1 from directory_groups g where g.directory_id = ${dir} and g.id = i.member_id) then 'group'
        end as member_type
      from input i
    ), added as (
      insert into directory_memberships (directory_id, group_id, member_id, member_type)
      select distinct on (group_id, member_id) ${dir}::uuid, group_id, member_id, member_type from resolved
      where group_found and member_type is not null and group_id <> member_id
      on conflict do nothing
      returning group_id, member_id, member_type
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, related_id, related_type, kind)
      select ${dir}::uuid, 'membership', group_id, member_id, member_type, 'upsert' from added
    )
    select position, group_id, member_id, group_found, member_type from resolved
    where not group_found or member_type is null or group_id = member_id`);
  return rows.map((r): Rejection => ({
    position: r.position,
    ...(!r.group_found
      ? { reason: 'notFound', error: `group ${r.group_id} not found` }
      : r.member_type === null
        ? { reason: 'notFound', error: `member ${r.member_id} is neither a user nor a group of this directory` }
        : { reason: 'invalid', error: 'a group cannot be a member of itself' }),
  }));
}

/** Removes direct memberships; a membership that does not exist is rejected. */
export async function removeMemberships(w: DirectoryWrite, records: readonly MembershipRecord[]): Promise<Rejection[]> {
  if (records.length === 0) return [];
  const dir = w.directoryId;
  const rows = await w.tx.execute<{ position: number; group_id: string; member_id: string }>(sql`
    with input as (${input(records)}),
    removed as (
      delete from directory_memberships m using input i
      where m.directory_id = ${dir} and m.group_id = i.group_id and m.member_id = i.member_id
      returning m.group_id, m.member_id, m.member_type
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, related_id, related_type, kind)
      select ${dir}::uuid, 'membership', group_id, member_id, member_type, 'hardDelete' from removed
    )
    select i.position, i.group_id, i.member_id from input i
    where not exists (select 1 from removed r where r.group_id = i.group_id and r.member_id = i.member_id)`);
  return rows.map((r) => ({ position: r.position, reason: 'notFound', error: `${r.member_id} is not a member of group ${r.group_id}` }));
}

/** Direct members of a group in member-id order, after `afterMemberId` (null: from the start). */
export async function readGroupMembers(
  db: Queryable, directoryId: string, groupId: string, afterMemberId: string | null, limit: number,
): Promise<GroupMember[]> {
  const rows = await db.execute<{ member_id: string; member_type: 'user' | 'group' }>(sql`
    select member_id, member_type from directory_memberships
    where directory_id = ${directoryId} and group_id = ${groupId}
      ${afterMemberId === null ? sql`` : sql`and member_id > ${afterMemberId}`}
    order by member_id limit ${limit}`);
  return rows.map((r) => ({ memberId: r.member_id, memberType: r.member_type }));
}
