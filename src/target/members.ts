import { sql, type Fragment } from './sql.js';
import { invalidValue } from '../scim/errors.js';
import type { MemberChange } from '../scim/patch.js';
import type { MemberRef } from '../scim/resource.js';
import { query, type Executor } from './executor.js';
import { groupStore } from './groups.js';
import { rowFields, toStoredRow, type RawRow, type StoredRow } from './store.js';

/**
 * Group memberships as rows. Every statement here is set-based and touches only the members
 * named in the request, so changing a 100,000-member group costs what the change costs.
 * Each change is a set of CTEs ending in `changed` (one row per membership added or
 * removed), so it can run alone or together with the group's version bump.
 */

/** A member's type is whichever table its id is in; a client's `type` is not trusted. */
const valuesOf = (members: readonly MemberRef[]) => members.map((m) => m.value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function memberIds(values: readonly string[]): string[] {
  const bad = values.find((v) => !UUID.test(v));
  if (bad !== undefined) throw invalidValue(`member "${bad}" is not a user or group of this tenant`);
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

interface ChangeStatement {
  ctes: Fragment;
  /** ids that must all exist in the tenant (adds) */
  required: string[];
}

/**
 * Adds only when every id is a user or group of the tenant: otherwise nothing is inserted
 * and the caller reports the missing ones.
 */
function adding(tenantId: string, groupId: string, values: readonly string[], guard: Fragment): ChangeStatement {
  const ids = memberIds(values);
  if (ids.includes(groupId)) throw invalidValue('a group cannot be a member of itself');
  return {
    required: ids,
    ctes: sql`wanted as (select unnest(${sql.param(ids)}::uuid[]) as id),
    found as (
      select u.id, 'User' as member_type from scim_users u join wanted w on w.id = u.id where u.tenant_id = ${tenantId}
      union all
      select g.id, 'Group' from scim_groups g join wanted w on w.id = g.id where g.tenant_id = ${tenantId}
    ),
    changed as (
      insert into scim_group_members (group_id, member_id, member_type, tenant_id)
      select ${groupId}, id, member_type, ${tenantId} from found
      where (select count(*) from found) = ${ids.length}${guard}
      on conflict do nothing
      returning 1
    )`,
  };
}

function removing(groupId: string, values: readonly string[] | undefined, guard: Fragment, keep = false): ChangeStatement {
  // an id that is not a uuid cannot be a member: there is nothing to remove for it
  const ids = values && [...new Set(values.filter((v) => UUID.test(v)).map((v) => v.toLowerCase()))];
  const which = ids === undefined ? sql``
    : keep ? sql` and member_id <> all(${sql.param(memberIds(values!))}::uuid[])`
    : sql` and member_id = any(${sql.param(ids)}::uuid[])`;
  return {
    required: [],
    ctes: sql`found as (select null::uuid as id where false),
    changed as (delete from scim_group_members where group_id = ${groupId}${which}${guard} returning 1)`,
  };
}

/** `guard` (SQL starting with ` and`) keeps a statement from changing anything when false. */
function statementsFor(tenantId: string, groupId: string, change: MemberChange, guard: Fragment = sql``): ChangeStatement[] {
  switch (change.kind) {
    case 'add': return [adding(tenantId, groupId, valuesOf(change.members), guard)];
    case 'remove': return [removing(groupId, change.values, guard)];
    case 'removeAll': return [removing(groupId, undefined, guard)];
    case 'replaceAll': {
      const members = valuesOf(change.members);
      return [removing(groupId, members, guard, true), adding(tenantId, groupId, members, guard)];
    }
  }
}

function checkFound(statement: ChangeStatement, found: string[] | null): void {
  const present = new Set(found ?? []);
  const missing = statement.required.filter((id) => !present.has(id));
  if (missing.length > 0) throw invalidValue(`members not found in this tenant: ${missing.slice(0, 10).join(', ')}`);
}

/** Applies PATCH/PUT member changes in order, in the caller's transaction; returns the number of rows that changed. */
export async function applyMemberChanges(tx: Executor, tenantId: string, groupId: string, changes: readonly MemberChange[]): Promise<number> {
  let changed = 0;
  for (const change of changes) {
    for (const statement of statementsFor(tenantId, groupId, change)) {
      const [row] = await query<{ changed: number; found: string[] | null }>(tx, sql`
        with ${statement.ctes}
        select (select count(*)::int from changed) as changed, (select array_agg(id::text) from found) as found`);
      checkFound(statement, row!.found);
      changed += row!.changed;
    }
  }
  return changed;
}

/** Whether a change is one statement, so it can be applied without a transaction. */
export const isSingleStatement = (change: MemberChange) => change.kind !== 'replaceAll';

/**
 * One member change of a group, checked to be the tenant's, and the group's version bump
 * (when a row changed), as one statement: atomic without a transaction and without reading
 * the group first. Entra's member PATCHes take this path. Returns the group's row as it now
 * is (without members), or undefined when the tenant has no such group.
 */
export async function changeMembersOf(executor: Executor, tenantId: string, groupId: string, change: MemberChange): Promise<StoredRow | undefined> {
  const fields = rowFields(groupStore, false);
  const [statement] = statementsFor(tenantId, groupId, change, sql` and exists (select 1 from grp)`);
  const [row] = await query<RawRow & { found: string[] | null }>(executor, sql`
    with grp as (select ${fields} from scim_groups where scim_groups.id = ${groupId} and scim_groups.tenant_id = ${tenantId}),
    ${statement!.ctes},
    touched as (
      update scim_groups set version = version + 1, last_modified = now()
      where scim_groups.id = ${groupId} and scim_groups.tenant_id = ${tenantId} and exists (select 1 from changed)
      returning ${fields}
    )
    select r.*, (select array_agg(id::text) from found) as found
    from (select * from touched union all select * from grp where not exists (select 1 from touched)) r`);
  if (!row) return undefined;
  checkFound(statement!, row.found);
  return toStoredRow(row);
}
