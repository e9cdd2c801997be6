import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, ne } from 'drizzle-orm';
import { provisioningCycles, provisioningEscrows, provisioningJobs, provisioningLinks, provisioningPendingDeletions, type JobState, type QuarantineState } from '../db/provisioning.js';
import {
  ENTRA_QUARANTINE_THRESHOLDS, JobNotFound, SyncJobFailure, finishCycle, firstCursor, isCycleCursor, openJob, runCyclePage, startCycle,
  type Cycle, type CycleCounts, type CycleCursor, type CyclePhase, type EngineDeps, type OpenJobOptions, type OpenedJob, type QuarantineThresholds,
} from '../provisioning/index.js';
import { addCounts, emptyCounts } from '../provisioning/engine/counts.js';
import { executeDeletions } from '../provisioning/engine/deprovision.js';
import type { CycleKind, Quarantine, ResetScope } from '../workflows/job-machine.js';

/**
 * The job workflow's activities: thin adapters over the engine (src/provisioning). Each opens
 * the job itself — configuration, and the target token decrypted here — so no secret is ever
 * a workflow input or lands in a history. Results are counts and cursors, never object data.
 *
 * Failure types the workflow acts on: `TargetFailure` (the target failed as a whole: auth,
 * connection, 404 on a query) and `JobNotFound` (the job row is gone); both non-retryable.
 */
export const TARGET_FAILURE = 'TargetFailure';
export const JOB_NOT_FOUND = 'JobNotFound';

export interface ActivityDeps {
  engine: EngineDeps;
  /** Entra's by default; scaled down by configuration in tests */
  thresholds?: QuarantineThresholds;
  /** engine settings: page size, SCIM concurrency, timeouts */
  engineOptions?: Omit<OpenJobOptions, 'mode'>;
  /** how long one `syncPages` call works before handing its cursor back, so the workflow sees progress */
  sliceMs?: number;
}

export interface BegunCycle {
  cycle: Cycle;
  cursor: CycleCursor;
  /** source objects the cycle expects to look at: the denominator of its progress */
  total: number;
}

export interface PagesInput {
  jobId: string;
  cycle: Cycle;
  cursor: CycleCursor | null;
  /** stop at the end of this phase (a lane running beside another), or null to go on through the phases */
  only?: CyclePhase | null;
}

export interface PagesResult {
  /** null once the cycle's pages are all done */
  cursor: CycleCursor | null;
  counts: CycleCounts;
}

export interface FinishedCycle {
  counts: CycleCounts;
  quarantine: Quarantine['reason'] | null;
  heldDeletions: number;
}

export interface JobStateRecord {
  jobId: string;
  state: JobState;
  quarantine: Quarantine | null;
}

const DEFAULT_SLICE_MS = 5_000;

export function createActivities(deps: ActivityDeps) {
  const { db, sql } = deps.engine;

  /** Runs `work` on the opened job, turning the engine's job-level errors into the failures the workflow acts on. */
  async function withJob<T>(jobId: string, dryRun: boolean, work: (ctx: OpenedJob) => Promise<T>): Promise<T> {
    let ctx: OpenedJob;
    try {
      ctx = await openJob(deps.engine, jobId, { ...deps.engineOptions, mode: dryRun ? 'dryRun' : 'live' });
    } catch (error) {
      if (error instanceof JobNotFound) throw ApplicationFailure.nonRetryable(error.message, JOB_NOT_FOUND);
      throw error;
    }
    try {
      return await work(ctx);
    } catch (error) {
      if (error instanceof SyncJobFailure) {
        throw ApplicationFailure.create({ message: error.message, type: TARGET_FAILURE, nonRetryable: true, details: [{ code: error.code }] });
      }
      throw error;
    } finally {
      await ctx.close();
    }
  }

  return {
    /** Starts a cycle: a full one when the job has no watermark or its configuration changed, or for a preview. */
    async beginCycle(input: { jobId: string; dryRun: boolean }): Promise<BegunCycle> {
      return withJob(input.jobId, input.dryRun, async (ctx) => {
        const [job] = await db.select({ watermark: provisioningJobs.watermark, full: provisioningJobs.fullSyncRequired })
          .from(provisioningJobs).where(eq(provisioningJobs.id, input.jobId));
        const kind: CycleKind = input.dryRun || job!.full || job!.watermark === null ? 'initial' : 'incremental';
        const cycle = await startCycle(ctx, kind, job!.watermark);
        return { cycle, cursor: firstCursor(cycle.kind, cycle.watermarkFrom), total: await expectedObjects(ctx, cycle) };
      });
    },

    /**
     * Pages of the cycle until the slice is used up. Each finished page is heartbeated with
     * its cursor, so an attempt retried after a crash resumes at the page that was in flight.
     */
    async syncPages(input: PagesInput): Promise<PagesResult> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as { cursor: unknown; counts: CycleCounts } | undefined;
      let cursor = resumed && isCycleCursor(resumed.cursor) ? resumed.cursor : input.cursor;
      let counts = resumed ? addCounts(emptyCounts(), resumed.counts) : emptyCounts();
      if (!cursor || (input.only && cursor.phase !== input.only)) return { cursor, counts };
      const deadline = Date.now() + (deps.sliceMs ?? DEFAULT_SLICE_MS);
      return withJob(input.jobId, input.cycle.dryRun, async (ctx) => {
        while (cursor && Date.now() < deadline && (!input.only || cursor.phase === input.only)) {
          const page = await runCyclePage(ctx, input.cycle, cursor);
          cursor = page.cursor;
          counts = addCounts(counts, page.counts);
          context.heartbeat({ cursor, counts });
        }
        return { cursor, counts };
      });
    },

    /** Sends or holds the cycle's deletions, stores the watermark and applies the quarantine thresholds. */
    async finishCycle(input: { jobId: string; cycle: Cycle }): Promise<FinishedCycle> {
      return withJob(input.jobId, input.cycle.dryRun, async (ctx) => {
        const result = await finishCycle(ctx, input.cycle, deps.thresholds ?? ENTRA_QUARANTINE_THRESHOLDS);
        return { counts: result.counts, quarantine: result.quarantine, heldDeletions: result.heldDeletions };
      });
    },

    /** A cycle that will not go on: stopped or restarted while paused, or failed as a whole. */
    async closeCycle(input: { cycleId: string; status: 'stopped' | 'failed' }): Promise<void> {
      await db.update(provisioningCycles).set({ status: input.status, finishedAt: new Date() })
        .where(and(eq(provisioningCycles.id, input.cycleId), eq(provisioningCycles.status, 'running')));
    },

    /** §2: an initial cycle over the escrow threshold clears its errors instead of quarantining. */
    async pruneEscrows(input: { jobId: string }): Promise<void> {
      await db.delete(provisioningEscrows).where(eq(provisioningEscrows.jobId, input.jobId));
    },

    /** Sends the disables and deletes an admin allowed (§4). */
    async releaseDeletions(input: { jobId: string; cycleId: string }): Promise<CycleCounts> {
      return withJob(input.jobId, false, async (ctx) => {
        const [row] = await db.select().from(provisioningCycles).where(eq(provisioningCycles.id, input.cycleId));
        if (!row) return emptyCounts();
        const cycle: Cycle = {
          id: row.id, kind: row.kind, dryRun: false, startedAt: row.startedAt.toISOString(),
          watermarkFrom: row.watermarkFrom, watermarkTo: row.watermarkTo ?? 0,
        };
        return executeDeletions(ctx, cycle);
      });
    },

    /**
     * Graph's restart scopes, applied in one transaction. Held deletions not being released
     * are dropped: the cycle after the restart decides deletions afresh.
     */
    async resetJob(input: { jobId: string; resetScope: ResetScope[]; keepDeletionsOf: string | null }): Promise<void> {
      const scopes = new Set(input.resetScope);
      const full = scopes.has('Full');
      await db.transaction(async (tx) => {
        await tx.delete(provisioningPendingDeletions).where(input.keepDeletionsOf
          ? and(eq(provisioningPendingDeletions.jobId, input.jobId), ne(provisioningPendingDeletions.cycleId, input.keepDeletionsOf))
          : eq(provisioningPendingDeletions.jobId, input.jobId));
        if (full || scopes.has('Escrows')) await tx.delete(provisioningEscrows).where(eq(provisioningEscrows.jobId, input.jobId));
        if (full || scopes.has('ConnectorDataStore')) await tx.delete(provisioningLinks).where(eq(provisioningLinks.jobId, input.jobId));
        if (full || scopes.has('Watermark') || scopes.has('ConnectorDataStore')) {
          await tx.update(provisioningJobs).set({ watermark: null, fullSyncRequired: true, updatedAt: new Date() })
            .where(eq(provisioningJobs.id, input.jobId));
        }
      });
    },

    /** Keeps the job row's copy of the state current, for listing (the workflow stays the source of truth). */
    async recordState(input: JobStateRecord): Promise<void> {
      await db.update(provisioningJobs)
        // the column's type predates quarantines without an automatic attempt (TooManyDeletes, Disabled)
        .set({ state: input.state, quarantine: input.quarantine as QuarantineState | null, updatedAt: new Date() })
        .where(eq(provisioningJobs.id, input.jobId));
    },
  };

  /** Users and groups in the directory for a full cycle; changes in the feed range for an incremental one. */
  async function expectedObjects(ctx: OpenedJob, cycle: Cycle): Promise<number> {
    const directoryId = ctx.job.directoryId;
    if (cycle.kind === 'initial') {
      const [row] = await sql<{ n: string }[]>`
        select (select count(*) from directory_users where directory_id = ${directoryId})
             + (select count(*) from directory_groups where directory_id = ${directoryId}) as n`;
      return Number(row!.n);
    }
    const [row] = await sql<{ n: string }[]>`
      select count(*) as n from directory_changes
      where directory_id = ${directoryId} and seq > ${cycle.watermarkFrom ?? 0} and seq <= ${cycle.watermarkTo}`;
    return Number(row!.n);
  }
}

export type JobActivities = ReturnType<typeof createActivities>;
