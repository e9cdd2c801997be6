/**
 * The provisioning engine's public API (no Temporal here: the activities of the next layer
 * call these). A job is opened once per activity; a cycle is started, run page by page with a
 * resumable cursor, and finished; provision on demand processes one object at once.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database, Sql } from '../db/client.js';
import { provisioningJobs } from '../db/provisioning.js';
import { provisioningConfigSchema } from './config.js';
import { ON_DEMAND_GROUP_MEMBERS, OnDemandTooManyMembers } from './on-demand-limits.js';
import type { Cycle, EngineJob, SyncContext } from './engine/context.js';
import { executeDeletions } from './engine/deprovision.js';
import { DEFAULT_ESCROW_POLICY, type EscrowPolicy } from './engine/escrow-policy.js';
import { membersOfLinkedGroups, sendMemberChanges } from './engine/memberships.js';
import { syncObjects } from './engine/pipeline.js';
import { resolveReferences } from './engine/references.js';
import { readGroupPage, readUserPage } from './engine/source-objects.js';
import { dryRunStore, liveStore } from './engine/store.js';
import { runCycle, type CycleResult } from './engine/cycle.js';
import type { CycleCursor } from './engine/plan.js';
import { writeLogs, type LogEntryInput } from './logs.js';
import { createScimClient, type ClientMode, type RequestEvent, type RetryPolicy } from './scim-client.js';
import { decryptSecret, type SecretsKey } from './secrets.js';

export { startCycle, runCyclePage, finishCycle, SyncJobFailure, type CycleResult, type PageResult } from './engine/cycle.js';
export { executeDeletions } from './engine/deprovision.js';
export { firstCursor, isCycleCursor, phasesOf, type CycleCursor, type CyclePhase } from './engine/plan.js';
export { quarantineDecision, ENTRA_QUARANTINE_THRESHOLDS, type QuarantineReason, type QuarantineThresholds, type EscrowCounts } from './engine/quarantine.js';
export { escrowAfterFailure, retryDelayMinutes, DEFAULT_ESCROW_POLICY, type EscrowPolicy } from './engine/escrow-policy.js';
export type { Cycle, EngineJob, SyncContext } from './engine/context.js';
export type { CycleCounts } from './engine/counts.js';

export interface EngineDeps {
  db: Database;
  sql: Sql;
  secretsKey: SecretsKey;
}

export interface OpenJobOptions {
  /** 'dryRun' previews: the SCIM client records mutating requests and the store drops writes */
  mode?: ClientMode;
  /** source objects per page (default 500) */
  pageSize?: number;
  /** SCIM requests in flight at once (default 16) */
  concurrency?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  escrowPolicy?: Partial<EscrowPolicy>;
  now?: () => Date;
  /** every SCIM request attempt, for metrics (never carries the token) */
  onRequest?: (event: RequestEvent) => void;
}

export interface OpenedJob extends SyncContext {
  close(): Promise<void>;
}

export class JobNotFound extends Error {}

export async function openJob(deps: EngineDeps, jobId: string, options: OpenJobOptions = {}): Promise<OpenedJob> {
  const [row] = await deps.db.select().from(provisioningJobs).where(eq(provisioningJobs.id, jobId));
  if (!row) throw new JobNotFound(`provisioning job ${jobId} not found`);
  const config = provisioningConfigSchema.parse(row.config);
  const job: EngineJob = { id: row.id, directoryId: row.directoryId, applicationId: row.applicationId, config };
  const mode = options.mode ?? 'live';
  const client = createScimClient({
    baseUrl: row.targetUrl,
    token: decryptSecret(row.targetTokenEncrypted, deps.secretsKey),
    dialect: config.dialect,
    concurrency: options.concurrency ?? 16,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    mode,
  });
  const live = liveStore(deps.sql, job.id);
  return {
    sql: deps.sql,
    db: deps.db,
    job,
    client,
    store: mode === 'dryRun' ? dryRunStore(live) : live,
    writeLogs: (entries) => writeLogs(deps.db, entries),
    now: options.now ?? (() => new Date()),
    pageSize: options.pageSize ?? 500,
    escrowPolicy: { ...DEFAULT_ESCROW_POLICY, intervalMinutes: config.intervalMinutes, ...options.escrowPolicy },
    bulk: config.bulk && await client.supportsBulk(),
    close: () => client.close(),
  };
}

/** A full cycle: every source object, whatever the watermark. `resume` continues an interrupted one. */
export function runInitialCycle(ctx: SyncContext, resume?: { cycle: Cycle; cursor: CycleCursor | null }): Promise<CycleResult> {
  return runCycle(ctx, 'initial', null, resume);
}

/** The changes since `watermark` and the escrows that are due. */
export function runIncrementalCycle(ctx: SyncContext, watermark: number, resume?: { cycle: Cycle; cursor: CycleCursor | null }): Promise<CycleResult> {
  return runCycle(ctx, 'incremental', watermark, resume);
}

/** A preview: a full cycle with the client in dry-run mode; its log entries say what would be sent. */
export async function runPreviewCycle(deps: EngineDeps, jobId: string, options: Omit<OpenJobOptions, 'mode'> = {}): Promise<CycleResult> {
  const ctx = await openJob(deps, jobId, { ...options, mode: 'dryRun' });
  try {
    return await runInitialCycle(ctx);
  } finally {
    await ctx.close();
  }
}

/**
 * Provision on demand (entra-provisioning.md §1): one user, or one group with up to five
 * members, processed at once outside the cycle with every step logged. Deletions it decides
 * are sent at once: the deletion threshold is a per-cycle guard. Returns the entries written.
 */
export async function provisionOnDemand(ctx: SyncContext, target: { userId: string } | { groupId: string }): Promise<LogEntryInput[]> {
  const entries: LogEntryInput[] = [];
  const collecting: SyncContext = {
    ...ctx,
    writeLogs: async (batch) => {
      entries.push(...batch);
      await ctx.writeLogs(batch);
    },
  };
  await ctx.client.testConnection();
  const scope = { directoryId: ctx.job.directoryId, applicationId: ctx.job.applicationId };
  const cycle: Cycle = {
    id: randomUUID(), kind: 'incremental', dryRun: ctx.store.dryRun, startedAt: new Date().toISOString(), watermarkFrom: null, watermarkTo: 0,
  };
  if ('userId' in target) {
    const users = await readUserPage(ctx.sql, scope, { ids: [target.userId] });
    await syncObjects(collecting, cycle, users);
    await resolveReferences(collecting, cycle, users);
  } else {
    const members = await ctx.sql<{ member_id: string }[]>`
      select member_id from directory_memberships
      where directory_id = ${ctx.job.directoryId} and group_id = ${target.groupId} and member_type = 'user'
      order by member_id limit ${ON_DEMAND_GROUP_MEMBERS + 1}`;
    if (members.length > ON_DEMAND_GROUP_MEMBERS) {
      throw new OnDemandTooManyMembers(`a group is provisioned on demand with at most ${ON_DEMAND_GROUP_MEMBERS} members`);
    }
    const users = await readUserPage(ctx.sql, scope, { ids: members.map((m) => m.member_id) });
    const wasLinked = (await ctx.store.links('group', [target.groupId])).has(target.groupId);
    await syncObjects(collecting, cycle, users);
    // a group linked just now got its members with its create; one linked before gets them here
    await syncObjects(collecting, cycle, await readGroupPage(ctx.sql, scope, { ids: [target.groupId] }));
    if (wasLinked) await sendMemberChanges(collecting, cycle, await membersOfLinkedGroups(collecting, { ids: [target.groupId] }));
  }
  await executeDeletions(collecting, cycle);
  return entries;
}
