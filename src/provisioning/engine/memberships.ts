import { ScimClientError, isJobLevel } from '../scim-client.js';
import type { Cycle, SyncContext } from './context.js';
import { emptyCounts, type CycleCounts } from './counts.js';
import { escrowAfterFailure } from './escrow-policy.js';
import type { LogEntryInput } from '../logs.js';
import { ObjectTrail } from './log-entry.js';
import type { Escrow } from './store.js';
import { allObjects } from './settle.js';

/**
 * Group memberships, after users and groups exist in the target (entra-provisioning.md §1):
 * source memberships are resolved to target ids through the links and sent as batched member
 * PATCHes (the client splits them into requests of several members each). Only user members
 * are sent: nested groups are not expanded, as in Entra.
 */
export interface MemberChanges {
  groupSourceId: string;
  groupTargetId: string;
  groupName: string | null;
  add: string[];
  remove: string[];
}

export async function sendMemberChanges(ctx: SyncContext, cycle: Cycle | null, changes: readonly MemberChanges[]): Promise<CycleCounts> {
  const counts = emptyCounts();
  const escrows = await ctx.store.escrows('group', changes.map((c) => c.groupSourceId), true);
  const failed: Escrow[] = [];
  const succeeded: string[] = [];
  const entries: LogEntryInput[] = [];
  await allObjects(changes.map(async (change) => {
    if (change.add.length === 0 && change.remove.length === 0) return;
    const trail = new ObjectTrail(ctx.job.id, cycle?.id ?? null, 'group', change.groupSourceId, change.groupName);
    trail.targetId = change.groupTargetId;
    trail.step('referenceResolution', 'success', `Resolved ${change.add.length + change.remove.length} member(s) to their target ids.`);
    if (change.add.length > 0) trail.modifiedProperties.push({ name: 'members', oldValue: null, newValue: `+${change.add.length}` });
    if (change.remove.length > 0) trail.modifiedProperties.push({ name: 'members', oldValue: `-${change.remove.length}`, newValue: null });
    try {
      const recorded = [
        ...(change.add.length > 0 ? (await ctx.client.addMembers(change.groupTargetId, change.add)).recorded : []),
        ...(change.remove.length > 0 ? (await ctx.client.removeMembers(change.groupTargetId, change.remove)).recorded : []),
      ];
      counts.memberships += change.add.length + change.remove.length;
      if (recorded.length > 0) {
        entries.push(trail.recorded(recorded).entry('Update', 'Skipped'));
        return;
      }
      trail.step('export', 'success', `PATCH /Groups/${change.groupTargetId}: ${change.add.length} member(s) added, ${change.remove.length} removed.`);
      entries.push(trail.entry('Update', 'Success'));
      succeeded.push(change.groupSourceId);
    } catch (error) {
      if (isJobLevel(error) || !(error instanceof ScimClientError)) throw error;
      counts.referenceFailures++;
      trail.step('export', 'failure', error.reason);
      entries.push(trail.entry('Update', 'Failure', { code: error.code, reason: error.reason }));
      const schedule = escrowAfterFailure(escrows.get(change.groupSourceId), ctx.now(), ctx.escrowPolicy);
      if (schedule) {
        failed.push({ ...schedule, objectType: 'group', sourceId: change.groupSourceId, errorCode: error.code, errorReason: error.reason, referenceFailure: true });
      }
    }
  }));
  await Promise.all([
    ctx.store.saveEscrows(failed),
    ctx.store.clearEscrows('group', succeeded.filter((id) => escrows.has(id)), true),
    ctx.writeLogs(entries),
  ]);
  return counts;
}

interface GroupMembersRow {
  source_id: string;
  target_id: string;
  display_name: string | null;
  members: string[];
}

/**
 * Every linked user member of the given linked groups (a page by group id, or chosen groups):
 * the initial cycle's membership phase, and groups created by an incremental cycle.
 */
export async function membersOfLinkedGroups(
  ctx: SyncContext,
  groups: { after: string; limit: number } | { ids: readonly string[] },
): Promise<MemberChanges[]> {
  const { sql, job } = ctx;
  const chosen = 'ids' in groups
    ? sql`source_id = any(${groups.ids as string[]})`
    : groups.after ? sql`source_id > ${groups.after}` : sql`true`;
  const rows = await sql<GroupMembersRow[]>`
    select g.source_id, g.target_id, dg.display_name,
      coalesce(array_agg(u.target_id order by u.target_id) filter (where u.target_id is not null), '{}') as members
    from (
      select source_id, target_id from provisioning_links
      where job_id = ${job.id} and object_type = 'group' and state = 'provisioned' and ${chosen}
      order by source_id ${'ids' in groups ? sql`` : sql`limit ${groups.limit}`}
    ) g
    left join directory_groups dg on dg.directory_id = ${job.directoryId} and dg.id = g.source_id::uuid
    left join directory_memberships m on m.directory_id = ${job.directoryId} and m.group_id = g.source_id::uuid and m.member_type = 'user'
    left join provisioning_links u on u.job_id = ${job.id} and u.object_type = 'user' and u.source_id = m.member_id::text
    group by g.source_id, g.target_id, dg.display_name
    order by g.source_id`;
  return rows.map((r) => ({ groupSourceId: r.source_id, groupTargetId: r.target_id, groupName: r.display_name, add: r.members, remove: [] }));
}

/** The linked groups each of the given users belongs to, as additions: users an incremental cycle just linked. */
export async function groupsOfUsers(ctx: SyncContext, userSourceIds: readonly string[]): Promise<MemberChanges[]> {
  if (userSourceIds.length === 0) return [];
  const { sql, job } = ctx;
  const rows = await sql<GroupMembersRow[]>`
    select g.source_id, g.target_id, dg.display_name, array_agg(u.target_id order by u.target_id) as members
    from provisioning_links u
    join directory_memberships m on m.directory_id = ${job.directoryId} and m.member_id = u.source_id::uuid
    join provisioning_links g on g.job_id = ${job.id} and g.object_type = 'group' and g.state = 'provisioned' and g.source_id = m.group_id::text
    left join directory_groups dg on dg.directory_id = ${job.directoryId} and dg.id = m.group_id
    where u.job_id = ${job.id} and u.object_type = 'user' and u.source_id = any(${userSourceIds as string[]})
    group by g.source_id, g.target_id, dg.display_name
    order by g.source_id`;
  return rows.map((r) => ({ groupSourceId: r.source_id, groupTargetId: r.target_id, groupName: r.display_name, add: r.members, remove: [] }));
}

export interface MembershipChange {
  groupId: string;
  memberId: string;
  present: boolean;
}

/** Membership changes of the feed, resolved through the links; pairs whose group or member is not linked are left out. */
export async function resolveMembershipChanges(ctx: SyncContext, changes: readonly MembershipChange[]): Promise<MemberChanges[]> {
  const last = new Map<string, MembershipChange>();
  for (const change of changes) last.set(`${change.groupId}:${change.memberId}`, change);
  const latest = [...last.values()];
  const [groups, users] = await Promise.all([
    ctx.store.links('group', [...new Set(latest.map((c) => c.groupId))]),
    ctx.store.links('user', [...new Set(latest.map((c) => c.memberId))]),
  ]);
  const byGroup = new Map<string, MemberChanges>();
  for (const change of latest) {
    const group = groups.get(change.groupId);
    const member = users.get(change.memberId);
    if (!group || group.state !== 'provisioned' || !member) continue;
    let entry = byGroup.get(change.groupId);
    if (!entry) {
      entry = { groupSourceId: change.groupId, groupTargetId: group.targetId, groupName: (group.exported.displayName as string | undefined) ?? null, add: [], remove: [] };
      byGroup.set(change.groupId, entry);
    }
    (change.present ? entry.add : entry.remove).push(member.targetId);
  }
  return [...byGroup.values()];
}
