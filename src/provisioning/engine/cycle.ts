import { changesSince, currentWatermark } from '../../directory/changes.js';
import type { CycleKind } from '../../db/provisioning.js';
import { isJobLevel, type ScimClientError } from '../scim-client.js';
import type { Cycle, SyncContext } from './context.js';
import { addCounts, emptyCounts, operationsOf, type CycleCounts } from './counts.js';
import type { ObjectType } from './decision.js';
import { finishDeletions } from './deprovision.js';
import { groupsTouched, membershipsChanged, usersTouched } from './feed.js';
import { membersOfLinkedGroups, resolveMembershipChanges, sendMemberChanges } from './memberships.js';
import { firstCursor, isFeedPhase, nextPhase, type CycleCursor, type CyclePhase } from './plan.js';
import { syncObjects } from './pipeline.js';
import { ENTRA_QUARANTINE_THRESHOLDS, quarantineDecision, type QuarantineReason, type QuarantineThresholds } from './quarantine.js';
import { resolveReferences } from './references.js';
import { readPage, readUserPage, type SourceRecord } from './source-objects.js';

/**
 * A cycle as page-at-a-time steps (design.md "The data flow of one cycle"): `startCycle`
 * fixes the change-feed position the cycle will store at its end, `runCyclePage` does one
 * page of one phase and returns the cursor of the next (what an activity heartbeats), and
 * `finishCycle` sends or holds the collected deletions and stores the watermark. Memory is
 * bounded by the page size whatever the directory's size; an incremental cycle reads only the
 * feed since its watermark and the escrows that are due.
 */

/** The target failed as a whole (unreachable, unauthorized, 404 on a query): the workflow quarantines the job. */
export class SyncJobFailure extends Error {
  constructor(readonly error: ScimClientError, readonly cursor: CycleCursor) {
    super(`${error.code}: ${error.reason}`);
    this.name = 'SyncJobFailure';
  }

  get code(): string {
    return this.error.code;
  }
}

export interface PageResult {
  /** where the next page starts; null once the cycle's pages are all done */
  cursor: CycleCursor | null;
  counts: CycleCounts;
}

export interface CycleResult {
  cycleId: string;
  kind: CycleKind;
  dryRun: boolean;
  counts: CycleCounts;
  /** the job's new watermark (unchanged by a preview) */
  watermark: number;
  /** disables and deletes held by the accidental-deletion threshold; 0 when none were held */
  heldDeletions: number;
  /** what §2 says about this cycle: TooManyDeletes when deletions were held */
  quarantine: QuarantineReason | null;
}

export async function startCycle(ctx: SyncContext, kind: CycleKind, watermarkFrom: number | null): Promise<Cycle> {
  // read before anything else: changes made while the cycle runs are picked up by the next one
  const watermarkTo = Number(await currentWatermark(ctx.db, ctx.job.directoryId));
  const from = kind === 'initial' ? null : watermarkFrom ?? 0;
  const [row] = await ctx.sql<{ id: string; started_at: Date | string }[]>`
    insert into provisioning_cycles (job_id, kind, dry_run, started_at, watermark_from, watermark_to)
    values (${ctx.job.id}, ${kind}, ${ctx.store.dryRun}, ${ctx.now().toISOString()}::timestamptz, ${from}, ${watermarkTo})
    returning id, started_at`;
  return { id: row!.id, kind, dryRun: ctx.store.dryRun, startedAt: new Date(row!.started_at).toISOString(), watermarkFrom: from, watermarkTo };
}

export async function runCyclePage(ctx: SyncContext, cycle: Cycle, cursor: CycleCursor = firstCursor(cycle.kind, cycle.watermarkFrom)): Promise<PageResult> {
  let result: { counts: CycleCounts; after: string | null };
  try {
    result = await runPhasePage(ctx, cycle, cursor);
  } catch (error) {
    if (isJobLevel(error)) throw new SyncJobFailure(error, cursor);
    throw error;
  }
  await addCycleCounts(ctx, cycle, result.counts);
  const next = result.after === null ? nextPhase(cycle.kind, cursor.phase, cycle.watermarkFrom) : { phase: cursor.phase, after: result.after };
  if (result.after === null && cycle.kind === 'initial' && (cursor.phase === 'users' || cursor.phase === 'groups')) {
    // an initial cycle has just written up to one link per object; later phases join against
    // them, and plans made on an empty table's statistics scan it per row. Autovacuum would
    // catch up, but not within this cycle.
    await ctx.sql`analyze provisioning_links`;
  }
  return { cursor: next, counts: result.counts };
}

/** One page of a phase: its counts and the key it got to, or null when the phase is done. */
async function runPhasePage(ctx: SyncContext, cycle: Cycle, cursor: CycleCursor): Promise<{ counts: CycleCounts; after: string | null }> {
  const { phase, after } = cursor;
  const limit = ctx.pageSize;
  const scope = { directoryId: ctx.job.directoryId, applicationId: ctx.job.applicationId };
  if (isFeedPhase(phase)) return feedPage(ctx, cycle, phase, after);
  switch (phase) {
    case 'users':
    case 'groups': {
      const records = await readPage(ctx.sql, phase === 'users' ? 'user' : 'group', scope, { after, limit });
      return { counts: await syncObjects(ctx, cycle, records), after: lastOf(records, limit) };
    }
    case 'references': {
      const records = await readUserPage(ctx.sql, scope, { after, limit, withManager: true });
      return { counts: await resolveReferences(ctx, cycle, records), after: lastOf(records, limit) };
    }
    case 'memberships': {
      // groups, not members, are paged: a page of groups holds their members' batched PATCHes
      const groupLimit = Math.max(1, Math.floor(limit / 10));
      const groups = await membersOfLinkedGroups(ctx, { after, limit: groupLimit });
      const counts = await sendMemberChanges(ctx, cycle, groups);
      return { counts, after: groups.length < groupLimit ? null : groups.at(-1)!.groupSourceId };
    }
    case 'userEscrows':
    case 'groupEscrows': {
      const type: ObjectType = phase === 'userEscrows' ? 'user' : 'group';
      const ids = await ctx.store.dueEscrows(type, false, new Date(cycle.startedAt), after, limit);
      const records = await readPage(ctx.sql, type, scope, { ids });
      return { counts: await syncObjects(ctx, cycle, records), after: ids.length < limit ? null : ids.at(-1)! };
    }
    case 'referenceEscrows': {
      const ids = await ctx.store.dueEscrows('user', true, new Date(cycle.startedAt), after, limit);
      const records = await readUserPage(ctx.sql, scope, { ids });
      return { counts: await resolveReferences(ctx, cycle, records), after: ids.length < limit ? null : ids.at(-1)! };
    }
    case 'memberEscrows': {
      // a group whose member PATCH failed gets all its members again: adding is idempotent
      const ids = await ctx.store.dueEscrows('group', true, new Date(cycle.startedAt), after, limit);
      const counts = await sendMemberChanges(ctx, cycle, await membersOfLinkedGroups(ctx, { ids }));
      return { counts, after: ids.length < limit ? null : ids.at(-1)! };
    }
    default:
      throw new Error(`phase ${phase} is not a page phase`);
  }
}

function lastOf(records: readonly SourceRecord[], limit: number): string | null {
  return records.length < limit ? null : records.at(-1)!.id;
}

/**
 * One page of the change feed, up to the position the cycle started at. Users and groups a
 * page touches are processed in chunks of the page size, so a group assignment that brings a
 * large group into scope stays within bounded memory per chunk.
 */
async function feedPage(ctx: SyncContext, cycle: Cycle, phase: CyclePhase, after: string): Promise<{ counts: CycleCounts; after: string | null }> {
  const read = await changesSince(ctx.db, ctx.job.directoryId, after, ctx.pageSize);
  const changes = read.filter((c) => Number(c.seq) <= cycle.watermarkTo);
  const done = read.length < ctx.pageSize || changes.length < read.length;
  const scope = { directoryId: ctx.job.directoryId, applicationId: ctx.job.applicationId };
  let counts = emptyCounts();
  const inChunks = async (type: ObjectType, ids: readonly string[], work: (records: SourceRecord[]) => Promise<CycleCounts>) => {
    for (let i = 0; i < ids.length; i += ctx.pageSize) {
      const records = await readPage(ctx.sql, type, scope, { ids: ids.slice(i, i + ctx.pageSize) });
      counts = addCounts(counts, await work(records));
    }
  };
  switch (phase) {
    case 'userChanges':
      await inChunks('user', await usersTouched(ctx, changes), (records) => syncObjects(ctx, cycle, records));
      break;
    case 'groupChanges':
      await inChunks('group', groupsTouched(ctx, changes), (records) => syncObjects(ctx, cycle, records));
      break;
    case 'referenceChanges': {
      const users = [...new Set(changes.filter((c) => c.objectType === 'user').map((c) => c.objectId))];
      await inChunks('user', users, (records) => resolveReferences(ctx, cycle, records));
      break;
    }
    case 'membershipChanges':
      counts = await sendMemberChanges(ctx, cycle, await resolveMembershipChanges(ctx, membershipsChanged(changes)));
      break;
    default:
      throw new Error(`phase ${phase} does not read the change feed`);
  }
  return { counts, after: done ? null : changes.at(-1)!.seq };
}

async function addCycleCounts(ctx: SyncContext, cycle: Cycle, counts: CycleCounts): Promise<void> {
  await ctx.sql`
    update provisioning_cycles c set counts = (
      select coalesce(jsonb_object_agg(k, coalesce((c.counts->>k)::bigint, 0) + coalesce((d.delta->>k)::bigint, 0)), '{}')
      from (select ${JSON.stringify(counts)}::jsonb as delta) d,
        jsonb_object_keys(c.counts || d.delta) k)
    where id = ${cycle.id}`;
}

async function cycleCounts(ctx: SyncContext, cycle: Cycle): Promise<CycleCounts> {
  const [row] = await ctx.sql<{ counts: Partial<CycleCounts> }[]>`select counts from provisioning_cycles where id = ${cycle.id}`;
  return addCounts(emptyCounts(), row?.counts ?? {});
}

export async function finishCycle(
  ctx: SyncContext,
  cycle: Cycle,
  thresholds: QuarantineThresholds = ENTRA_QUARANTINE_THRESHOLDS,
): Promise<CycleResult> {
  let deletions;
  try {
    deletions = await finishDeletions(ctx, cycle.id);
  } catch (error) {
    if (isJobLevel(error)) throw new SyncJobFailure(error, { phase: 'referenceEscrows', after: '' });
    throw error;
  }
  await addCycleCounts(ctx, cycle, deletions.counts);
  const maxAgeMs = ctx.escrowPolicy.maxAgeDays * 86_400_000;
  await ctx.store.dropEscrowsFailingSince(new Date(ctx.now().getTime() - maxAgeMs));
  await ctx.store.saveWatermark(cycle.watermarkTo);
  await ctx.sql`update provisioning_cycles set finished_at = now(), status = 'succeeded' where id = ${cycle.id}`;
  const counts = await cycleCounts(ctx, cycle);
  const quarantine = deletions.held > 0
    ? 'TooManyDeletes'
    : quarantineDecision({ operations: operationsOf(counts), failures: counts.failed, referenceFailures: counts.referenceFailures }, thresholds);
  return {
    cycleId: cycle.id,
    kind: cycle.kind,
    dryRun: cycle.dryRun,
    counts,
    watermark: cycle.dryRun ? cycle.watermarkFrom ?? 0 : cycle.watermarkTo,
    heldDeletions: deletions.held,
    quarantine,
  };
}

/** A whole cycle in one call: pages until done, then the finish. `resume` continues an interrupted one. */
export async function runCycle(
  ctx: SyncContext,
  kind: CycleKind,
  watermarkFrom: number | null,
  resume?: { cycle: Cycle; cursor: CycleCursor | null },
): Promise<CycleResult> {
  const cycle = resume?.cycle ?? await startCycle(ctx, kind, watermarkFrom);
  let cursor: CycleCursor | null = resume ? resume.cursor : firstCursor(cycle.kind, cycle.watermarkFrom);
  while (cursor) cursor = (await runCyclePage(ctx, cycle, cursor)).cursor;
  return finishCycle(ctx, cycle);
}
