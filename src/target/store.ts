import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { scimGroups, scimUsers } from '../db/target.js';
import { ScimError, uniqueness } from '../scim/errors.js';
import type { ScimResource } from '../scim/resource.js';
import type { ResourceType } from '../scim/schemas.js';
import { query, type Executor } from './executor.js';

/**
 * Row storage shared by Users and Groups: one table per resource type, the canonical
 * document in `resource`, the filterable attributes copied into columns. Every statement
 * is scoped by tenant_id, so another tenant's id simply does not exist here.
 */
export interface Store {
  type: ResourceType;
  table: typeof scimUsers | typeof scimGroups;
  /** the indexed copies of attributes, keyed by the drizzle column key */
  columns(resource: ScimResource): object;
  /**
   * For types with a rows attribute: a minimal valid document (required attributes set) to
   * run a PATCH that only changes rows against, without reading the real one
   */
  patchProbe?: ScimResource;
  /** the unique index a create or rename can collide with */
  uniqueIndex: string;
  conflict(resource: ScimResource): string;
}

export interface StoredMember {
  value: string;
  type: 'User' | 'Group';
  display: string | null;
}

export interface StoredRow {
  id: string;
  resource: ScimResource;
  version: number;
  created: string;
  lastModified: string;
  /** only when members were asked for (Groups) */
  members?: StoredMember[];
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const tableOf = (store: Store) => sql.identifier(getTableName(store.table));

/**
 * The member list with each member's display name, in one subquery of the group's row:
 * reading a group with its members is a single statement, never one per member.
 */
const membersColumn = sql.raw(`(select coalesce(jsonb_agg(jsonb_build_object(
    'value', m.member_id, 'type', m.member_type,
    'display', case m.member_type when 'User' then coalesce(mu.display_name, mu.user_name) else mg.display_name end)
    order by m.member_id), '[]'::jsonb)
  from scim_group_members m
  left join scim_users mu on m.member_type = 'User' and mu.id = m.member_id
  left join scim_groups mg on m.member_type = 'Group' and mg.id = m.member_id
  where m.group_id = "scim_groups"."id") as members`);

/** The select list of a row; members are read only when asked for. */
export function rowFields(store: Store, withMembers: boolean): SQL {
  const t = getTableName(store.table);
  const base = sql.raw(`"${t}"."id", "${t}"."resource", "${t}"."version", `
    + `${iso(`"${t}"."created_at"`)} as created, ${iso(`"${t}"."last_modified"`)} as last_modified`);
  return withMembers && store.type.rowsAttribute ? sql`${base}, ${membersColumn}` : base;
}

export type RawRow = {
  id: string;
  resource: ScimResource;
  version: number;
  created: string;
  last_modified: string;
  members?: StoredMember[];
};

export function toStoredRow(raw: RawRow): StoredRow {
  return {
    id: raw.id,
    resource: raw.resource,
    version: raw.version,
    created: raw.created,
    lastModified: raw.last_modified,
    ...(raw.members ? { members: raw.members } : {}),
  };
}

function columnAssignments(store: Store, resource: ScimResource): Array<[ReturnType<typeof sql.identifier>, unknown]> {
  const columns = getTableColumns(store.table) as Record<string, { name: string }>;
  return Object.entries(store.columns(resource) as Record<string, unknown>).map(([key, value]) => [sql.identifier(columns[key]!.name), value]);
}

/** Turns the unique index's violation into 409 uniqueness; other errors pass through. */
async function unique<T>(store: Store, resource: ScimResource, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (violates(err, store.uniqueIndex)) throw uniqueness(store.conflict(resource));
    throw err;
  }
}

function violates(err: unknown, index: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const pg = e as { code?: string; constraint_name?: string };
    if (pg.code === '23505' && pg.constraint_name === index) return true;
    if (e instanceof ScimError) return false;
  }
  return false;
}

export async function insertRow(tx: Executor, store: Store, tenantId: string, resource: ScimResource): Promise<StoredRow> {
  const assignments = columnAssignments(store, resource);
  const names = sql.join(assignments.map(([name]) => name), sql`, `);
  const values = sql.join(assignments.map(([, value]) => sql`${value}`), sql`, `);
  const [row] = await unique(store, resource, () => query<RawRow>(tx, sql`
    insert into ${tableOf(store)} (tenant_id, resource, ${names})
    values (${tenantId}, ${JSON.stringify(resource)}::jsonb, ${values})
    returning ${rowFields(store, false)}`));
  return toStoredRow(row!);
}

export async function selectRow(tx: Executor, store: Store, tenantId: string, id: string, withMembers: boolean): Promise<StoredRow | undefined> {
  const t = tableOf(store);
  const [row] = await query<RawRow>(tx, sql`
    select ${rowFields(store, withMembers)} from ${t} where ${t}.tenant_id = ${tenantId} and ${t}.id = ${id}`);
  return row && toStoredRow(row);
}

/** The current document and version, locked until the transaction ends. */
export async function lockRow(tx: Executor, store: Store, tenantId: string, id: string): Promise<{ resource: ScimResource; version: number } | undefined> {
  const [row] = await query<{ resource: ScimResource; version: number }>(tx, sql`
    select resource, version from ${tableOf(store)} where tenant_id = ${tenantId} and id = ${id} for update`);
  return row;
}

/**
 * Writes a new document (or, without one, only records that the members changed) and
 * bumps the version; returns the row as it now is. With `expectedVersion`, writes only if
 * the row is still at that version and returns undefined if it is not.
 */
export async function updateRow(
  tx: Executor, store: Store, tenantId: string, id: string, resource: ScimResource | undefined, withMembers: boolean,
  expectedVersion?: number,
): Promise<StoredRow | undefined> {
  const t = tableOf(store);
  const document = resource
    ? sql`resource = ${JSON.stringify(resource)}::jsonb, ${sql.join(columnAssignments(store, resource).map(([name, value]) => sql`${name} = ${value}`), sql`, `)},`
    : sql``;
  const [row] = await unique(store, resource ?? {}, () => query<RawRow>(tx, sql`
    update ${t} set ${document} version = version + 1, last_modified = now()
    where tenant_id = ${tenantId} and id = ${id}${expectedVersion === undefined ? sql`` : sql` and version = ${expectedVersion}`}
    returning ${rowFields(store, withMembers)}`));
  return row && toStoredRow(row);
}

/**
 * Deletes a resource and, in the same statement, its memberships in other groups, bumping
 * those groups' versions. Returns false when the tenant has no such resource.
 */
export async function deleteRow(tx: Executor, store: Store, tenantId: string, id: string): Promise<boolean> {
  const [row] = await query<{ deleted: number }>(tx, sql`
    with gone as (delete from ${tableOf(store)} where tenant_id = ${tenantId} and id = ${id} returning id),
    memberships as (
      delete from scim_group_members where member_id in (select id from gone) and tenant_id = ${tenantId} returning group_id
    ),
    touched as (
      update scim_groups set version = version + 1, last_modified = now()
      where id in (select group_id from memberships) and id not in (select id from gone)
    )
    select count(*)::int as deleted from gone`);
  return (row?.deleted ?? 0) > 0;
}
