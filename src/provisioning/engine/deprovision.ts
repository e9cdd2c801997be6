import { ScimClientError, isJobLevel, type RecordedRequest } from '../scim-client.js';
import type { SyncContext } from './context.js';
import { emptyCounts, type CycleCounts } from './counts.js';
import { escrowAfterFailure } from './escrow-policy.js';
import type { LogEntryInput } from '../logs.js';
import { ObjectTrail } from './log-entry.js';
import { exportHashOf, updateOperations } from './mapping.js';
import type { Escrow, Link, PendingDeletion } from './store.js';
import { allObjects } from './settle.js';

/**
 * The deprovision phase at a cycle's end (entra-provisioning.md §4): the disables and deletes
 * the cycle collected are counted as a whole; at or above the job's threshold they are held
 * (StagedDelete) until an admin allows them, otherwise they are sent.
 */
export interface DeletionOutcome {
  counts: CycleCounts;
  /** deletions held by the threshold (0 when they were sent) */
  held: number;
}

const PAGE = 500;

export async function finishDeletions(ctx: SyncContext, cycleId: string): Promise<DeletionOutcome> {
  const pending = await ctx.store.countPendingDeletions(cycleId);
  const threshold = ctx.job.config.deleteThreshold;
  if (threshold !== null && pending >= threshold) {
    await stage(ctx, cycleId, pending, threshold);
    return { counts: { ...emptyCounts(), staged: pending }, held: pending };
  }
  return { counts: await executeDeletions(ctx, { id: cycleId }), held: 0 };
}

async function stage(ctx: SyncContext, cycleId: string, pending: number, threshold: number): Promise<void> {
  let after = '';
  for (;;) {
    const page = await ctx.store.pendingDeletions(cycleId, after, PAGE);
    if (page.length === 0) break;
    await ctx.writeLogs(page.map((d) => {
      const trail = new ObjectTrail(ctx.job.id, cycleId, d.objectType, d.sourceId, d.sourceDisplayName);
      trail.targetId = d.targetId;
      trail.step('processing', 'skipped',
        `Held: this cycle would ${d.action} ${pending} object(s), at or above the deletion threshold of ${threshold}. Allow deletes to send them.`);
      return trail.entry('StagedDelete', 'Skipped');
    }));
    const last = page.at(-1)!;
    after = `${last.objectType}:${last.sourceId}`;
  }
}

/**
 * Sends every pending deletion of the cycle, threshold or not: the cycle's own finish, or an
 * admin's "allow deletes". A job-level failure leaves the rest pending for the next call.
 */
export async function executeDeletions(ctx: SyncContext, cycle: { id: string }): Promise<CycleCounts> {
  const cycleId = cycle.id;
  const counts = emptyCounts();
  for (;;) {
    const page = await ctx.store.pendingDeletions(cycleId, '', PAGE);
    if (page.length === 0) return counts;
    const outcome = await deletePage(ctx, cycleId, page);
    for (const key of Object.keys(counts) as (keyof CycleCounts)[]) counts[key] += outcome[key];
  }
}

async function deletePage(ctx: SyncContext, cycleId: string, page: readonly PendingDeletion[]): Promise<CycleCounts> {
  const counts = emptyCounts();
  const saved: Link[] = [];
  const removed: PendingDeletion[] = [];
  const failed: Escrow[] = [];
  const succeeded: PendingDeletion[] = [];
  const entries: LogEntryInput[] = [];
  const [userLinks, groupLinks, userEscrows, groupEscrows] = await Promise.all([
    ctx.store.links('user', page.filter((d) => d.objectType === 'user').map((d) => d.sourceId)),
    ctx.store.links('group', page.filter((d) => d.objectType === 'group').map((d) => d.sourceId)),
    ctx.store.escrows('user', page.filter((d) => d.objectType === 'user').map((d) => d.sourceId), false),
    ctx.store.escrows('group', page.filter((d) => d.objectType === 'group').map((d) => d.sourceId), false),
  ]);
  await allObjects(page.map(async (d) => {
    const trail = new ObjectTrail(ctx.job.id, cycleId, d.objectType, d.sourceId, d.sourceDisplayName);
    trail.targetId = d.targetId;
    const action = d.action === 'disable' ? 'Disable' : 'Delete';
    const resource = d.objectType === 'user' ? 'Users' : 'Groups';
    try {
      let recorded: readonly RecordedRequest[];
      if (d.action === 'disable') {
        const link = (d.objectType === 'user' ? userLinks : groupLinks).get(d.sourceId);
        const change = { name: 'active', oldValue: link?.exported.active ?? true, newValue: false };
        recorded = (await ctx.client.patchUser(d.targetId, updateOperations([change], ctx.client.dialect))).recorded;
        trail.modified([change]);
        if (link) {
          const exported = { ...link.exported, active: false };
          saved.push({ ...link, exported, exportHash: exportHashOf(exported), state: 'disabled' });
        }
        counts.disabled++;
      } else {
        const result = d.objectType === 'user' ? await ctx.client.deleteUser(d.targetId) : await ctx.client.deleteGroup(d.targetId);
        recorded = result.recorded;
        if (result.alreadyGone) trail.step('export', 'success', `The target ${d.objectType} was already gone.`);
        removed.push(d);
        counts.deleted++;
      }
      trail.step('processing', 'success', d.action === 'disable'
        ? `The ${d.objectType} left scope (unassigned, filtered out, disabled or soft-deleted): it is disabled.`
        : `The ${d.objectType} was deleted in the source or left scope: it is deleted.`);
      succeeded.push(d);
      if (recorded.length > 0) entries.push(trail.recorded(recorded).entry(action, 'Skipped'));
      else entries.push(trail.step('export', 'success', `${d.action === 'disable' ? 'PATCH' : 'DELETE'} /${resource}/${d.targetId}.`).entry(action, 'Success'));
    } catch (error) {
      if (isJobLevel(error) || !(error instanceof ScimClientError)) throw error;
      counts.failed++;
      entries.push(trail.step('export', 'failure', error.reason).entry(action, 'Failure', { code: error.code, reason: error.reason }));
      const schedule = escrowAfterFailure((d.objectType === 'user' ? userEscrows : groupEscrows).get(d.sourceId), ctx.now(), ctx.escrowPolicy);
      if (schedule) {
        failed.push({ ...schedule, objectType: d.objectType, sourceId: d.sourceId, errorCode: error.code, errorReason: error.reason, referenceFailure: false });
      }
    }
  }));
  await Promise.all([
    ctx.store.saveLinks(saved),
    ctx.store.removeLinks('user', removed.filter((d) => d.objectType === 'user').map((d) => d.sourceId)),
    ctx.store.removeLinks('group', removed.filter((d) => d.objectType === 'group').map((d) => d.sourceId)),
    ctx.store.saveEscrows(failed),
    ctx.store.clearEscrows('user', succeeded.filter((d) => d.objectType === 'user' && userEscrows.has(d.sourceId)).map((d) => d.sourceId), false),
    ctx.store.clearEscrows('group', succeeded.filter((d) => d.objectType === 'group' && groupEscrows.has(d.sourceId)).map((d) => d.sourceId), false),
    ctx.writeLogs(entries),
  ]);
  await ctx.store.clearPendingDeletions(cycleId, page);
  return counts;
}
