import { sql, type SQL } from 'drizzle-orm';
import { invalidValue, notFound } from '../scim/errors.js';
import type { MemberChange } from '../scim/patch.js';
import type { MemberRef } from '../scim/resource.js';
import { query, type Executor } from './executor.js';
import { iso } from './store.js';

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
  ctes: SQL;
  /** ids that must all exist in the tenant (adds) */
  required: string[];
}

/**
 * Adds only when every id is a user or group of the tenant: otherwise nothing is inserted
 * and the caller reports the missing ones.
 */
function adding(tenantId: string, groupId: string, values: readonly string[]): ChangeStatement {
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
      where (select count(*) from found) = ${ids.length}
      on conflict do nothing
      returning 1
    )`,
  };
}

function removing(groupId: string, values: readonly string[] | undefined, keep = false): ChangeStatement {
  // an id that is not a uuid cannot be a member: there is nothing to remove for it
  const ids = values && [...new Set(values.filter((v) => UUID.test(v)).map((v) => v.toLowerCase()))];
  const which = ids === undefined ? sql``
    : keep ? sql` and member_id <> all(${sql.param(memberIds(values!))}::uuid[])`
    : sql` and member_id = any(${sql.param(ids)}::uuid[])`;
  return {
    required: [],
    ctes: sql`found as (select null::uuid as id where false),
    changed as (delete from scim_group_members where group_id = ${groupId}${which} returning 1)`,
  };
}

function statementsFor(tenantId: string, groupId: string, change: MemberChange): ChangeStatement[] {
  switch (change.kind) {
    case 'add': return [adding(tenantId, groupId, valuesOf(change.members))];
    case 'remove': return [removing(groupId, change.values)];
    case 'removeAll': return [removing(groupId, undefined)];
    case 'replaceAll': return [removing(groupId, valuesOf(change.members), true), adding(tenantId, groupId, valuesOf(change.members))];
  }
}

/** Runs one change, optionally with `then` (more CTEs that may read `changed`). */
async function run(
  executor: Executor, statement: ChangeStatement, then: SQL = sql``, select: SQL = sql``,
): Promise<{ changed: number; row: Record<string, unknown> }> {
  const [row] = await query<{ changed: number; found: string[] | null }>(executor, sql`
    with ${statement.ctes}${then}
    select (select count(*)::int from changed) as changed, (select array_agg(id::text) from found) as found${select}`);
  const found = new Set(row!.found ?? []);
  const missing = statement.required.filter((id) => !found.has(id));
  if (missing.length > 0) throw invalidValue(`members not found in this tenant: ${missing.slice(0, 10).join(', ')}`);
  return { changed: row!.changed, row: row! };
}

/** Applies PATCH/PUT member changes in order; returns the number of rows that changed. */
export async function applyMemberChanges(tx: Executor, tenantId: string, groupId: string, changes: readonly MemberChange[]): Promise<number> {
  let changed = 0;
  for (const change of changes) {
    for (const statement of statementsFor(tenantId, groupId, change)) changed += (await run(tx, statement)).changed;
  }
  return changed;
}

/** Whether a change is one statement, so it can be applied without a transaction. */
export const isSingleStatement = (change: MemberChange) => change.kind !== 'replaceAll';

/**
 * One member change and the group's version bump (when a row changed) as one statement:
 * atomic without a transaction. Entra's member PATCHes take this path. Returns the new
 * version, or undefined when nothing changed.
 */
export async function changeMembersOf(
  executor: Executor, tenantId: string, groupId: string, change: MemberChange,
): Promise<{ version: number; lastModified: string } | undefined> {
  const [statement] = statementsFor(tenantId, groupId, change);
  try {
    const { row } = await run(executor, statement!, sql`,
    touched as (
      update scim_groups set version = version + 1, last_modified = now()
      where id = ${groupId} and tenant_id = ${tenantId} and exists (select 1 from changed)
      returning version, ${sql.raw(iso('last_modified'))} as last_modified
    )`, sql`, (select version from touched) as version, (select last_modified from touched) as last_modified`);
    return row.version === null ? undefined : { version: row.version as number, lastModified: row.last_modified as string };
  } catch (err) {
    // the group was deleted since it was read: the membership's foreign key refuses the row
    if ((err as { code?: string }).code === '23503') throw notFound(`Group ${groupId} not found`);
    throw err;
  }
}
