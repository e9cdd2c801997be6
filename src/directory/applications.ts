import { sql } from 'drizzle-orm';
import type { DirectoryWrite, Queryable } from './changes.js';
import type { AppRole, ApplicationRecord, AssignmentRecord, AssignmentRemoval, Rejection } from './records.js';

export interface Application {
  id: string;
  displayName: string;
  appRoles: AppRole[];
}

export interface Assignment {
  principalId: string;
  principalType: 'user' | 'group';
  appRoleId: string;
}

/** A user or group in an application's assignment scope, with every role it gets there. */
export interface AssignedPrincipal {
  principalId: string;
  principalType: 'user' | 'group';
  appRoleIds: string[];
}

/**
 * Creates or replaces applications. Applications are not in the change feed (a job follows
 * one application's assignments, not its definition); dropping a role that is still
 * assigned is refused, as in Entra.
 */
export async function upsertApplications(w: DirectoryWrite, records: readonly ApplicationRecord[]): Promise<Rejection[]> {
  if (records.length === 0) return [];
  const dir = w.directoryId;
  const rows = await w.tx.execute<{ position: number; id: string; app_role_id: string }>(sql`
    with input as (
      select (ordinality - 1)::int as position, (value->>'id')::uuid as id, value->>'displayName' as display_name,
        value->'appRoles' as app_roles
      from jsonb_array_elements(${JSON.stringify(records)}::jsonb) with ordinality
    ), latest as (
      select distinct on (id) * from input order by id, position desc
    ), blocked as (
      select distinct on (l.position) l.position, l.id, a.app_role_id
      from latest l join directory_app_role_assignments a on a.directory_id = ${dir} and a.app_id = l.id
      where not exists (select 1 from jsonb_array_elements(l.app_roles) r where (r->>'id')::uuid = a.app_role_id)
      order by l.position
    ), written as (
      insert into directory_applications as t (directory_id, id, display_name, app_roles)
      select ${dir}::uuid, id, display_name, app_roles from latest where position not in (select position from blocked)
      on conflict (directory_id, id) do update
        set display_name = excluded.display_name, app_roles = excluded.app_roles, updated_at = now()
        where (t.display_name, t.app_roles) is distinct from (excluded.display_name, excluded.app_roles)
    )
    select position, id, app_role_id from blocked`);
  return rows.map((r) => ({
    position: r.position,
    reason: 'conflict',
    error: `app role ${r.app_role_id} of application ${r.id} is still assigned; remove its assignments first`,
  }));
}

export async function getApplication(db: Queryable, directoryId: string, id: string): Promise<Application | undefined> {
  const [row] = await db.execute<{ id: string; display_name: string; app_roles: AppRole[] }>(sql`
    select id, display_name, app_roles from directory_applications where directory_id = ${directoryId} and id = ${id}`);
  return row && { id: row.id, displayName: row.display_name, appRoles: row.app_roles };
}

export async function listApplications(db: Queryable, directoryId: string): Promise<Application[]> {
  const rows = await db.execute<{ id: string; display_name: string; app_roles: AppRole[] }>(sql`
    select id, display_name, app_roles from directory_applications where directory_id = ${directoryId} order by display_name, id`);
  return rows.map((r) => ({ id: r.id, displayName: r.display_name, appRoles: r.app_roles }));
}

/**
 * Assigns principals to applications. The application, the principal (a user or group of
 * the directory) and the role (one of the application's) must exist; assignments that
 * already exist append no change.
 */
export async function addAssignments(w: DirectoryWrite, records: readonly AssignmentRecord[]): Promise<Rejection[]> {
  if (records.length === 0) return [];
  const dir = w.directoryId;
  const rows = await w.tx.execute<{
    position: number; app_id: string; principal_id: string; app_role_id: string;
    app_found: boolean; role_found: boolean; principal_type: string | null;
  }>(sql`
    with input as (
      select (ordinality - 1)::int as position, (value->>'appId')::uuid as app_id,
        (value->>'principalId')::uuid as principal_id, (value->>'appRoleId')::uuid as app_role_id
      from jsonb_array_elements(${JSON.stringify(records)}::jsonb) with ordinality
    ), resolved as (
      select i.*, a.id is not null as app_found,
        coalesce(exists (select 1 from jsonb_array_elements(a.app_roles) r where (r->>'id')::uuid = i.app_role_id), false) as role_found,
        case
          when exists (select 1 from directory_users u where u.directory_id = ${dir} and u.id = i.principal_id) then 'user'
          when exists (select 1 from directory_groups g where g.directory_id = ${dir} and g.id = i.principal_id) then 'group'
        end as principal_type
      from input i left join directory_applications a on a.directory_id = ${dir} and a.id = i.app_id
    ), added as (
      insert into directory_app_role_assignments (directory_id, app_id, principal_id, principal_type, app_role_id)
      select distinct on (app_id, principal_id, app_role_id) ${dir}::uuid, app_id, principal_id, principal_type, app_role_id
      from resolved where app_found and role_found and principal_type is not null
      on conflict do nothing
      returning app_id, principal_id, principal_type
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, related_id, related_type, kind)
      select ${dir}::uuid, 'assignment', app_id, principal_id, principal_type, 'upsert' from added
    )
    select * from resolved where not (app_found and role_found and principal_type is not null)`);
  return rows.map((r): Rejection => ({
    position: r.position,
    ...(!r.app_found
      ? { reason: 'notFound', error: `application ${r.app_id} not found` }
      : r.principal_type === null
        ? { reason: 'notFound', error: `principal ${r.principal_id} is neither a user nor a group of this directory` }
        : { reason: 'invalid', error: `application ${r.app_id} has no app role ${r.app_role_id}` }),
  }));
}

/** Removes assignments (all roles of the principal when no role is named); none found is rejected. */
export async function removeAssignments(w: DirectoryWrite, records: readonly AssignmentRemoval[]): Promise<Rejection[]> {
  if (records.length === 0) return [];
  const dir = w.directoryId;
  const rows = await w.tx.execute<{ position: number; app_id: string; principal_id: string }>(sql`
    with input as (
      select (ordinality - 1)::int as position, (value->>'appId')::uuid as app_id,
        (value->>'principalId')::uuid as principal_id, (value->>'appRoleId')::uuid as app_role_id
      from jsonb_array_elements(${JSON.stringify(records)}::jsonb) with ordinality
    ), removed as (
      delete from directory_app_role_assignments a using input i
      where a.directory_id = ${dir} and a.app_id = i.app_id and a.principal_id = i.principal_id
        and (i.app_role_id is null or a.app_role_id = i.app_role_id)
      returning a.app_id, a.principal_id, a.principal_type, a.app_role_id
    ), changes as (
      insert into directory_changes (directory_id, object_type, object_id, related_id, related_type, kind)
      select distinct ${dir}::uuid, 'assignment', app_id, principal_id, principal_type, 'hardDelete' from removed
    )
    select i.position, i.app_id, i.principal_id from input i
    where not exists (
      select 1 from removed r where r.app_id = i.app_id and r.principal_id = i.principal_id
        and (i.app_role_id is null or r.app_role_id = i.app_role_id))`);
  return rows.map((r) => ({
    position: r.position, reason: 'notFound', error: `principal ${r.principal_id} has no such assignment to application ${r.app_id}`,
  }));
}

/** An application's assignments in (principal, role) order, after the given one. */
export async function readAssignments(
  db: Queryable, directoryId: string, appId: string, after: { principalId: string; appRoleId: string } | null, limit: number,
): Promise<Assignment[]> {
  const rows = await db.execute<{ principal_id: string; principal_type: 'user' | 'group'; app_role_id: string }>(sql`
    select principal_id, principal_type, app_role_id from directory_app_role_assignments
    where directory_id = ${directoryId} and app_id = ${appId}
      ${after === null ? sql`` : sql`and (principal_id, app_role_id) > (${after.principalId}::uuid, ${after.appRoleId}::uuid)`}
    order by principal_id, app_role_id limit ${limit}`);
  return rows.map((r) => ({ principalId: r.principal_id, principalType: r.principal_type, appRoleId: r.app_role_id }));
}

/**
 * Every role each chosen principal holds in the app, directly or through a group it is a
 * direct member of; a soft-deleted group passes nothing on (its own assignments remain).
 */
const rolesOf = (directoryId: string, appId: string) => sql`
  grants as (
    select a.principal_id, a.principal_type, a.app_role_id
    from directory_app_role_assignments a join chosen c on a.principal_id = c.id
    where a.directory_id = ${directoryId} and a.app_id = ${appId}
    union all
    select m.member_id, 'user', a.app_role_id
    from chosen c
    join directory_memberships m on m.directory_id = ${directoryId} and m.member_id = c.id and m.member_type = 'user'
    join directory_groups g on g.directory_id = ${directoryId} and g.id = m.group_id and g.deleted_at is null
    join directory_app_role_assignments a on a.directory_id = ${directoryId} and a.app_id = ${appId}
      and a.principal_id = m.group_id and a.principal_type = 'group'
  )
  select principal_id, min(principal_type) as principal_type,
    to_jsonb(array_agg(distinct app_role_id order by app_role_id)) as app_role_ids
  from grants group by principal_id order by principal_id`;

type PrincipalRow = { principal_id: string; principal_type: 'user' | 'group'; app_role_ids: string[] };
const toPrincipal = (r: PrincipalRow): AssignedPrincipal => ({
  principalId: r.principal_id, principalType: r.principal_type, appRoleIds: r.app_role_ids,
});

/**
 * The application's assignment scope, a page at a time in principal-id order: users and
 * groups assigned directly, and the direct user members of assigned groups that are not
 * soft-deleted (nested groups are not expanded, as in Entra). Each page costs O(assigned groups × limit), not O(scope):
 * the next `limit` ids are the smallest of the direct assignments' next `limit` and each
 * assigned group's next `limit` members.
 */
export async function readAssignedPrincipals(
  db: Queryable, directoryId: string, appId: string, afterPrincipalId: string | null, limit: number,
): Promise<AssignedPrincipal[]> {
  const after = afterPrincipalId ?? '00000000-0000-0000-0000-000000000000';
  const inclusive = afterPrincipalId === null ? sql`>=` : sql`>`;
  const rows = await db.execute<PrincipalRow>(sql`
    with direct as (
      select distinct principal_id as id from directory_app_role_assignments
      where directory_id = ${directoryId} and app_id = ${appId} and principal_id ${inclusive} ${after}::uuid
      order by principal_id limit ${limit}
    ), assigned_groups as (
      select distinct a.principal_id as id from directory_app_role_assignments a
      join directory_groups g on g.directory_id = a.directory_id and g.id = a.principal_id and g.deleted_at is null
      where a.directory_id = ${directoryId} and a.app_id = ${appId} and a.principal_type = 'group'
    ), members as (
      select m.member_id as id from assigned_groups g cross join lateral (
        select member_id from directory_memberships
        where directory_id = ${directoryId} and group_id = g.id and member_type = 'user' and member_id ${inclusive} ${after}::uuid
        order by member_id limit ${limit}
      ) m
    ), chosen as (
      select id from (select id from direct union select id from members) u order by id limit ${limit}
    ), ${rolesOf(directoryId, appId)}`);
  return rows.map(toPrincipal);
}

/** The same scope for given principals (an incremental cycle's changed objects); out-of-scope ids are absent. */
export async function assignedPrincipalsAmong(
  db: Queryable, directoryId: string, appId: string, principalIds: readonly string[],
): Promise<AssignedPrincipal[]> {
  if (principalIds.length === 0) return [];
  const rows = await db.execute<PrincipalRow>(sql`
    with chosen as (
      select distinct value::uuid as id from jsonb_array_elements_text(${JSON.stringify(principalIds)}::jsonb)
    ), ${rolesOf(directoryId, appId)}`);
  return rows.map(toPrincipal);
}
