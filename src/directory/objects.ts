import { sql, type SQL } from 'drizzle-orm';
import { isoTime, type DirectoryWrite, type Queryable } from './changes.js';
import type {
  DirectoryGroup, DirectoryObject, DirectoryUser, GroupAttributes, GroupRecord, ObjectRecord, Rejection,
  UserAttributes, UserRecord,
} from './records.js';

/**
 * Users and groups share one machinery: set-based upsert that appends a change only for rows
 * that really changed, soft delete, restore, hard delete with its cascade, and keyset reads.
 * They differ only in their columns and in what a hard delete takes with it.
 */
interface Column {
  attribute: string;
  column: string;
  type: 'text' | 'boolean' | 'uuid';
}

interface ObjectKind {
  type: 'user' | 'group';
  table: string;
  columns: readonly Column[];
}

const textColumn = (attribute: string, column: string): Column => ({ attribute, column, type: 'text' });

const USERS: ObjectKind = {
  type: 'user',
  table: 'directory_users',
  columns: [
    textColumn('userPrincipalName', 'user_principal_name'),
    textColumn('mail', 'mail'),
    textColumn('mailNickname', 'mail_nickname'),
    textColumn('displayName', 'display_name'),
    textColumn('givenName', 'given_name'),
    textColumn('surname', 'surname'),
    textColumn('jobTitle', 'job_title'),
    textColumn('department', 'department'),
    textColumn('employeeId', 'employee_id'),
    textColumn('telephoneNumber', 'telephone_number'),
    textColumn('mobile', 'mobile'),
    { attribute: 'accountEnabled', column: 'account_enabled', type: 'boolean' },
    { attribute: 'manager', column: 'manager_id', type: 'uuid' },
  ],
};

const GROUPS: ObjectKind = {
  type: 'group',
  table: 'directory_groups',
  columns: [
    textColumn('displayName', 'display_name'),
    textColumn('mailNickname', 'mail_nickname'),
    textColumn('description', 'description'),
    { attribute: 'securityEnabled', column: 'security_enabled', type: 'boolean' },
  ],
};

const list = (parts: string[]) => sql.raw(parts.join(', '));

function toRow(kind: ObjectKind, record: ObjectRecord<object>): Record<string, unknown> {
  const attributes = record.attributes as Record<string, unknown>;
  const row: Record<string, unknown> = { id: record.id, extra: record.extra };
  for (const c of kind.columns) row[c.column] = attributes[c.attribute];
  return row;
}

function fromRow<A>(kind: ObjectKind, row: Record<string, unknown>): DirectoryObject<A> {
  const attributes: Record<string, unknown> = {};
  for (const c of kind.columns) attributes[c.attribute] = row[c.column];
  return {
    id: row.id as string,
    attributes: attributes as A,
    extra: row.extra as Record<string, unknown>,
    deletedDateTime: row.deleted_date_time as string | null,
  };
}

/** Later records of the same id win, as they would if written one after another. */
function lastById<T extends { id: string }>(records: readonly T[]): T[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

/** Writes the records; returns the ids that were created or changed (each got one change). */
async function upsertObjects(w: DirectoryWrite, kind: ObjectKind, records: readonly ObjectRecord<object>[]): Promise<string[]> {
  if (records.length === 0) return [];
  const rows = lastById(records).map((r) => toRow(kind, r));
  const all = [...kind.columns.map((c) => c.column), 'extra'];
  const written = await w.tx.execute<{ id: string }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(id uuid, ${list(kind.columns.map((c) => `${c.column} ${c.type}`))}, extra jsonb)
    ), written as (
      insert into ${sql.raw(kind.table)} as t (directory_id, id, ${list(all)})
      select ${w.directoryId}::uuid, id, ${list(all)} from input
      on conflict (directory_id, id) do update
        set ${list(all.map((c) => `${c} = excluded.${c}`))}, updated_at = now()
        where (${list(all.map((c) => `t.${c}`))}) is distinct from (${list(all.map((c) => `excluded.${c}`))})
      returning t.id
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, kind)
      select ${w.directoryId}::uuid, ${kind.type}::text, id, 'upsert' from written
    )
    select id from written`);
  return written.map((r) => r.id);
}

/**
 * Sets or clears the soft-delete mark. An object already in the wanted state changes nothing
 * and appends nothing; unknown ids are rejected.
 */
async function setDeleted(w: DirectoryWrite, kind: ObjectKind, ids: readonly string[], deleted: boolean): Promise<Rejection[]> {
  if (ids.length === 0) return [];
  const rows = await w.tx.execute<{ position: number; id: string }>(sql`
    with input as (
      select value::uuid as id, (ordinality - 1)::int as position
      from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality
    ), marked as (
      update ${sql.raw(kind.table)} t
      set deleted_at = ${deleted ? sql`now()` : sql`null`}, updated_at = now()
      where t.directory_id = ${w.directoryId} and t.id in (select id from input)
        and t.deleted_at ${deleted ? sql`is null` : sql`is not null`}
      returning t.id
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, kind)
      select ${w.directoryId}::uuid, ${kind.type}::text, id, ${deleted ? 'softDelete' : 'restore'}::text from marked
    )
    select i.position, i.id from input i
    where not exists (select 1 from ${sql.raw(kind.table)} t where t.directory_id = ${w.directoryId} and t.id = i.id)`);
  return rows.map((r) => ({ position: r.position, reason: 'notFound', error: `${kind.type} ${r.id} not found` }));
}

/**
 * Removes objects for good, with their memberships (both sides for a group) and app role
 * assignments, each removal with its own change; users whose manager goes lose the reference.
 */
async function hardDeleteObjects(w: DirectoryWrite, kind: ObjectKind, ids: readonly string[]): Promise<Rejection[]> {
  if (ids.length === 0) return [];
  const dir = w.directoryId;
  const membershipSide = kind.type === 'group' ? sql`(m.member_id = d.id or m.group_id = d.id)` : sql`m.member_id = d.id`;
  const reports: SQL = kind.type === 'user'
    ? sql`update directory_users u set manager_id = null, updated_at = now()
          from deleted d
          where u.directory_id = ${dir} and u.manager_id = d.id and u.id not in (select id from input)
          returning u.id`
    : sql`select null::uuid as id where false`;
  const rows = await w.tx.execute<{ position: number; id: string }>(sql`
    with input as (
      select value::uuid as id, (ordinality - 1)::int as position
      from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality
    ), deleted as (
      delete from ${sql.raw(kind.table)} t
      where t.directory_id = ${dir} and t.id in (select id from input)
      returning t.id
    ), memberships as (
      delete from directory_memberships m using deleted d
      where m.directory_id = ${dir} and ${membershipSide}
      returning m.group_id, m.member_id, m.member_type
    ), assignments as (
      delete from directory_app_role_assignments a using deleted d
      where a.directory_id = ${dir} and a.principal_id = d.id
      returning a.app_id, a.principal_id, a.principal_type
    ), reports as (${reports}), changes as (
      insert into directory_changes (directory_id, object_type, object_id, related_id, related_type, kind)
      select ${dir}::uuid, 'membership', group_id, member_id, member_type, 'hardDelete' from memberships
      union all
      select distinct ${dir}::uuid, 'assignment', app_id, principal_id, principal_type, 'hardDelete' from assignments
      union all
      select ${dir}::uuid, 'user', id, null, null, 'upsert' from reports
      union all
      select ${dir}::uuid, ${kind.type}::text, id, null, null, 'hardDelete' from deleted
    )
    select i.position, i.id from input i where i.id not in (select id from deleted)`);
  return rows.map((r) => ({ position: r.position, reason: 'notFound', error: `${kind.type} ${r.id} not found` }));
}

const selectColumns = (kind: ObjectKind) => sql`
  id, ${list(kind.columns.map((c) => c.column))}, extra, ${isoTime(sql`deleted_at`)} as deleted_date_time`;

async function getObject<A>(db: Queryable, kind: ObjectKind, directoryId: string, id: string): Promise<DirectoryObject<A> | undefined> {
  const [row] = await db.execute<Record<string, unknown>>(sql`
    select ${selectColumns(kind)} from ${sql.raw(kind.table)} where directory_id = ${directoryId} and id = ${id}`);
  return row && fromRow<A>(kind, row);
}

/** A page in id order after `afterId` (null: from the start), soft-deleted objects included. */
async function readObjects<A>(db: Queryable, kind: ObjectKind, directoryId: string, afterId: string | null, limit: number): Promise<DirectoryObject<A>[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select ${selectColumns(kind)} from ${sql.raw(kind.table)}
    where directory_id = ${directoryId} ${afterId === null ? sql`` : sql`and id > ${afterId}`}
    order by id limit ${limit}`);
  return rows.map((r) => fromRow<A>(kind, r));
}

export const upsertUsers = (w: DirectoryWrite, users: readonly UserRecord[]) => upsertObjects(w, USERS, users);
export const upsertGroups = (w: DirectoryWrite, groups: readonly GroupRecord[]) => upsertObjects(w, GROUPS, groups);
export const softDeleteUsers = (w: DirectoryWrite, ids: readonly string[]) => setDeleted(w, USERS, ids, true);
export const softDeleteGroups = (w: DirectoryWrite, ids: readonly string[]) => setDeleted(w, GROUPS, ids, true);
export const restoreUsers = (w: DirectoryWrite, ids: readonly string[]) => setDeleted(w, USERS, ids, false);
export const restoreGroups = (w: DirectoryWrite, ids: readonly string[]) => setDeleted(w, GROUPS, ids, false);
export const hardDeleteUsers = (w: DirectoryWrite, ids: readonly string[]) => hardDeleteObjects(w, USERS, ids);
export const hardDeleteGroups = (w: DirectoryWrite, ids: readonly string[]) => hardDeleteObjects(w, GROUPS, ids);

export const getUser = (db: Queryable, directoryId: string, id: string) => getObject<UserAttributes>(db, USERS, directoryId, id);
export const getGroup = (db: Queryable, directoryId: string, id: string) => getObject<GroupAttributes>(db, GROUPS, directoryId, id);
export const readUsers = (db: Queryable, directoryId: string, afterId: string | null, limit: number): Promise<DirectoryUser[]> =>
  readObjects(db, USERS, directoryId, afterId, limit);
export const readGroups = (db: Queryable, directoryId: string, afterId: string | null, limit: number): Promise<DirectoryGroup[]> =>
  readObjects(db, GROUPS, directoryId, afterId, limit);
