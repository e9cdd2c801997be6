import { sql } from 'drizzle-orm';
import { invalidValue } from '../scim/errors.js';
import type { MemberChange } from '../scim/patch.js';
import type { MemberRef } from '../scim/resource.js';
import { query, type Executor } from './executor.js';

/**
 * Group memberships as rows. Every statement here is set-based and touches only the members
 * named in the request, so changing a 100,000-member group costs what the change costs.
 */

/** A member's type is whichever table its id is in; a client's `type` is not trusted. */
const valuesOf = (members: readonly MemberRef[]) => members.map((m) => m.value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function memberIds(values: readonly string[]): string[] {
  const bad = values.find((v) => !UUID.test(v));
  if (bad !== undefined) throw invalidValue(`member "${bad}" is not a user or group of this tenant`);
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

/**
 * Adds members that exist in the tenant as users or groups; any other id fails the whole
 * request (the caller's transaction rolls back). Returns how many rows were new.
 */
export async function addMembers(tx: Executor, tenantId: string, groupId: string, values: readonly string[]): Promise<number> {
  const ids = memberIds(values);
  if (ids.length === 0) return 0;
  if (ids.includes(groupId)) throw invalidValue('a group cannot be a member of itself');
  const [row] = await query<{ found: string[] | null; inserted: number }>(tx, sql`
    with wanted as (select unnest(${sql.param(ids)}::uuid[]) as id),
    found as (
      select u.id, 'User' as member_type from scim_users u join wanted w on w.id = u.id where u.tenant_id = ${tenantId}
      union all
      select g.id, 'Group' from scim_groups g join wanted w on w.id = g.id where g.tenant_id = ${tenantId}
    ),
    inserted as (
      insert into scim_group_members (group_id, member_id, member_type, tenant_id)
      select ${groupId}, id, member_type, ${tenantId} from found
      on conflict do nothing
      returning 1
    )
    select (select array_agg(id::text) from found) as found, (select count(*)::int from inserted) as inserted`);
  const found = new Set(row?.found ?? []);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw invalidValue(`members not found in this tenant: ${missing.slice(0, 10).join(', ')}`);
  return row!.inserted;
}

/** Removes exactly the named members; returns how many were members. */
export async function removeMembers(tx: Executor, groupId: string, values: readonly string[]): Promise<number> {
  // an id that is not a uuid cannot be a member: nothing to remove
  const ids = [...new Set(values.filter((v) => UUID.test(v)).map((v) => v.toLowerCase()))];
  if (ids.length === 0) return 0;
  const rows = await query(tx, sql`
    delete from scim_group_members where group_id = ${groupId} and member_id = any(${sql.param(ids)}::uuid[]) returning 1`);
  return rows.length;
}

export async function removeAllMembers(tx: Executor, groupId: string): Promise<number> {
  const rows = await query(tx, sql`delete from scim_group_members where group_id = ${groupId} returning 1`);
  return rows.length;
}

/** Keeps only the named members (PUT, replace of `members`); returns how many left. */
async function removeMembersExcept(tx: Executor, groupId: string, values: readonly string[]): Promise<number> {
  const keep = memberIds(values);
  const rows = await query(tx, sql`
    delete from scim_group_members where group_id = ${groupId} and member_id <> all(${sql.param(keep)}::uuid[]) returning 1`);
  return rows.length;
}

/** Applies PATCH/PUT member changes in order; returns the number of rows that changed. */
export async function applyMemberChanges(tx: Executor, tenantId: string, groupId: string, changes: readonly MemberChange[]): Promise<number> {
  let changed = 0;
  for (const change of changes) {
    switch (change.kind) {
      case 'add':
        changed += await addMembers(tx, tenantId, groupId, valuesOf(change.members));
        break;
      case 'remove':
        changed += await removeMembers(tx, groupId, change.values);
        break;
      case 'removeAll':
        changed += await removeAllMembers(tx, groupId);
        break;
      case 'replaceAll':
        changed += await removeMembersExcept(tx, groupId, valuesOf(change.members));
        changed += await addMembers(tx, tenantId, groupId, valuesOf(change.members));
        break;
    }
  }
  return changed;
}
