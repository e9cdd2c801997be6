import type { Sql } from '../../db/client.js';
import type { AppRoleAssignment, SourceObject } from '../source.js';
import type { ObjectType, SourceState } from './decision.js';

/**
 * Reads source objects for the engine a page at a time, each with its app role assignments to
 * the job's application (direct, or through a group it is a direct member of: nested groups are
 * not expanded) in the same query, so a page of 500 users is one round trip, not 500.
 */
export interface SourceRecord {
  type: ObjectType;
  id: string;
  state: SourceState;
  /** null when the object was hard-deleted: only its id remains */
  object: SourceObject | null;
  displayName: string | null;
}

export interface SourceScope {
  directoryId: string;
  applicationId: string;
}

interface AppRoleRow {
  id: string;
  value: string | null;
  displayName: string;
}

interface UserRow {
  id: string;
  user_principal_name: string;
  mail: string | null;
  mail_nickname: string | null;
  display_name: string | null;
  given_name: string | null;
  surname: string | null;
  job_title: string | null;
  department: string | null;
  employee_id: string | null;
  telephone_number: string | null;
  mobile: string | null;
  account_enabled: boolean;
  manager_id: string | null;
  extra: Record<string, unknown>;
  deleted: boolean;
  role_ids: string[];
}

interface GroupRow {
  id: string;
  display_name: string;
  mail_nickname: string | null;
  description: string | null;
  security_enabled: boolean;
  extra: Record<string, unknown>;
  deleted: boolean;
  role_ids: string[];
}

async function appRoles(sql: Sql, scope: SourceScope): Promise<Map<string, AppRoleRow>> {
  const [row] = await sql<{ app_roles: AppRoleRow[] }[]>`
    select app_roles from directory_applications where directory_id = ${scope.directoryId} and id = ${scope.applicationId}`;
  return new Map((row?.app_roles ?? []).map((r) => [r.id, r]));
}

function assignmentsOf(roleIds: string[], roles: Map<string, AppRoleRow>): AppRoleAssignment[] {
  return roleIds.map((id) => {
    const role = roles.get(id);
    return { appRoleId: id, value: role?.value ?? null, displayName: role?.displayName ?? null };
  });
}

function userRecord(row: UserRow, roles: Map<string, AppRoleRow>): SourceRecord {
  const attributes: Record<string, unknown> = {
    ...row.extra,
    id: row.id,
    userPrincipalName: row.user_principal_name,
    mail: row.mail,
    mailNickname: row.mail_nickname,
    displayName: row.display_name,
    givenName: row.given_name,
    surname: row.surname,
    jobTitle: row.job_title,
    department: row.department,
    employeeId: row.employee_id,
    telephoneNumber: row.telephone_number,
    mobile: row.mobile,
    accountEnabled: row.account_enabled,
    manager: row.manager_id,
  };
  const state: SourceState = row.deleted ? 'softDeleted' : row.account_enabled ? 'active' : 'disabled';
  return {
    type: 'user',
    id: row.id,
    state,
    displayName: row.display_name ?? row.user_principal_name,
    object: { kind: 'user', id: row.id, attributes, appRoleAssignments: assignmentsOf(row.role_ids, roles), isSoftDeleted: state !== 'active' },
  };
}

function groupRecord(row: GroupRow, roles: Map<string, AppRoleRow>): SourceRecord {
  const attributes: Record<string, unknown> = {
    ...row.extra,
    id: row.id,
    displayName: row.display_name,
    mailNickname: row.mail_nickname,
    description: row.description,
    securityEnabled: row.security_enabled,
  };
  const state: SourceState = row.deleted ? 'softDeleted' : 'active';
  return {
    type: 'group',
    id: row.id,
    state,
    displayName: row.display_name,
    object: { kind: 'group', id: row.id, attributes, appRoleAssignments: assignmentsOf(row.role_ids, roles), isSoftDeleted: state !== 'active' },
  };
}

function hardDeleted(type: ObjectType, id: string): SourceRecord {
  return { type, id, state: 'hardDeleted', object: null, displayName: null };
}

/**
 * `after` is the last id of the previous page ('' for the first); `withManager` keeps only
 * users that have a manager (the reference phase: manager is the only user reference).
 */
export type PageQuery = { after: string; limit: number; withManager?: boolean } | { ids: readonly string[] };

export async function readUserPage(sql: Sql, scope: SourceScope, query: PageQuery): Promise<SourceRecord[]> {
  const roles = await appRoles(sql, scope);
  const where = 'ids' in query
    ? sql`u.id = any(${query.ids as string[]}::uuid[])`
    : sql`${query.after ? sql`u.id > ${query.after}::uuid` : sql`true`} ${query.withManager ? sql`and u.manager_id is not null` : sql``}`;
  const rows = await sql<UserRow[]>`
    select u.id, u.user_principal_name, u.mail, u.mail_nickname, u.display_name, u.given_name, u.surname,
      u.job_title, u.department, u.employee_id, u.telephone_number, u.mobile, u.account_enabled, u.manager_id,
      u.extra, u.deleted_at is not null as deleted,
      array(
        select a.app_role_id::text from directory_app_role_assignments a
        where a.directory_id = u.directory_id and a.app_id = ${scope.applicationId} and a.principal_id = u.id
        union
        select a.app_role_id::text from directory_memberships m
        join directory_groups g on g.directory_id = m.directory_id and g.id = m.group_id and g.deleted_at is null
        join directory_app_role_assignments a on a.directory_id = m.directory_id and a.app_id = ${scope.applicationId} and a.principal_id = m.group_id
        where m.directory_id = u.directory_id and m.member_id = u.id
      ) as role_ids
    from directory_users u
    where u.directory_id = ${scope.directoryId} and (${where})
    order by u.id
    ${'ids' in query ? sql`` : sql`limit ${query.limit}`}`;
  const records = rows.map((row) => userRecord(row, roles));
  if (!('ids' in query)) return records;
  const found = new Set(records.map((r) => r.id));
  return [...records, ...query.ids.filter((id) => !found.has(id)).map((id) => hardDeleted('user', id))];
}

export async function readGroupPage(sql: Sql, scope: SourceScope, query: PageQuery): Promise<SourceRecord[]> {
  const roles = await appRoles(sql, scope);
  const where = 'ids' in query
    ? sql`g.id = any(${query.ids as string[]}::uuid[])`
    : query.after ? sql`g.id > ${query.after}::uuid` : sql`true`;
  const rows = await sql<GroupRow[]>`
    select g.id, g.display_name, g.mail_nickname, g.description, g.security_enabled, g.extra,
      g.deleted_at is not null as deleted,
      array(
        select distinct a.app_role_id::text from directory_app_role_assignments a
        where a.directory_id = g.directory_id and a.app_id = ${scope.applicationId} and a.principal_id = g.id
      ) as role_ids
    from directory_groups g
    where g.directory_id = ${scope.directoryId} and (${where})
    order by g.id
    ${'ids' in query ? sql`` : sql`limit ${query.limit}`}`;
  const records = rows.map((row) => groupRecord(row, roles));
  if (!('ids' in query)) return records;
  const found = new Set(records.map((r) => r.id));
  return [...records, ...query.ids.filter((id) => !found.has(id)).map((id) => hardDeleted('group', id))];
}

export function readPage(sql: Sql, type: ObjectType, scope: SourceScope, query: PageQuery): Promise<SourceRecord[]> {
  return type === 'user' ? readUserPage(sql, scope, query) : readGroupPage(sql, scope, query);
}
