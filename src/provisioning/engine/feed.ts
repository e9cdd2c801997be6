import type { DirectoryChange } from '../../directory/changes.js';
import type { SyncContext } from './context.js';
import type { MembershipChange } from './memberships.js';

/**
 * What a page of the change feed means for a job: which users and groups to look at again
 * and which memberships changed. A change of scope is a change too: an assignment to the
 * job's application, a membership in a group (the group may be assigned), or a soft delete or
 * restore of an assigned group brings its direct members back for a decision.
 */
export async function usersTouched(ctx: SyncContext, changes: readonly DirectoryChange[]): Promise<string[]> {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const c of changes) {
    if (c.objectType === 'user') users.add(c.objectId);
    else if (c.objectType === 'membership' && c.relatedType === 'user' && c.relatedId) users.add(c.relatedId);
    else if (c.objectType === 'assignment' && c.objectId === ctx.job.applicationId && c.relatedId) {
      (c.relatedType === 'group' ? groups : users).add(c.relatedId);
    }
  }
  const assignedGroups = changes
    .filter((c) => c.objectType === 'group' && (c.kind === 'softDelete' || c.kind === 'restore'))
    .map((c) => c.objectId);
  const members = await directMembers(ctx, [...groups], assignedGroups);
  for (const id of members) users.add(id);
  return [...users];
}

export function groupsTouched(ctx: SyncContext, changes: readonly DirectoryChange[]): string[] {
  const groups = new Set<string>();
  for (const c of changes) {
    if (c.objectType === 'group') groups.add(c.objectId);
    else if (c.objectType === 'assignment' && c.objectId === ctx.job.applicationId && c.relatedType === 'group' && c.relatedId) {
      groups.add(c.relatedId);
    }
  }
  return [...groups];
}

export function membershipsChanged(changes: readonly DirectoryChange[]): MembershipChange[] {
  return changes
    .filter((c) => c.objectType === 'membership' && c.relatedType === 'user' && c.relatedId)
    .map((c) => ({ groupId: c.objectId, memberId: c.relatedId!, present: c.kind === 'upsert' || c.kind === 'restore' }));
}

/**
 * Direct user members of `groups`, and of `ifAssigned` when those hold an assignment to the
 * job's application (a soft-deleted or restored group only moves scope when it is assigned).
 */
async function directMembers(ctx: SyncContext, groups: readonly string[], ifAssigned: readonly string[]): Promise<string[]> {
  if (groups.length === 0 && ifAssigned.length === 0) return [];
  const { sql, job } = ctx;
  const rows = await sql<{ member_id: string }[]>`
    select distinct m.member_id from directory_memberships m
    where m.directory_id = ${job.directoryId} and m.member_type = 'user'
      and (m.group_id = any(${groups as string[]}::uuid[])
        or (m.group_id = any(${ifAssigned as string[]}::uuid[]) and exists (
          select 1 from directory_app_role_assignments a
          where a.directory_id = m.directory_id and a.app_id = ${job.applicationId} and a.principal_id = m.group_id)))`;
  return rows.map((r) => r.member_id);
}
