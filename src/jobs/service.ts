import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eq, sql as dsql } from 'drizzle-orm';
import type { Database, Sql } from '../db/client.js';
import { provisioningJobs, provisioningPendingDeletions } from '../db/provisioning.js';
import { getApplication } from '../directory/applications.js';
import { getDirectory } from '../directory/directories.js';
import { provisioningConfigSchema, type JobConfig } from '../provisioning/config.js';
import { openJob, provisionOnDemand, type EngineDeps } from '../provisioning/index.js';
import type { LogEntryInput } from '../provisioning/logs.js';
import { createScimClient } from '../provisioning/scim-client.js';
import { decryptSecret, encryptSecret, type SecretsKey } from '../provisioning/secrets.js';
import { newJobMachine, type JobCommand, type JobMachine, type JobStatus, type Quarantine } from '../workflows/job-machine.js';
import { previewStartedUpdate, previewWorkflowId, type previewCycle } from '../workflows/preview-cycle.js';
import { controlUpdate, statusQuery, type JobStatusView, type provisioningJob } from '../workflows/provisioning-job.js';
import { jobWorkflowId } from '../workflows/ids.js';
import { JobProblem } from './problems.js';
import { jobIdKey, stateKey } from '../workflows/search-attributes.js';

/**
 * Provisioning jobs as users see them (api.md "Provisioning jobs"): the row in PostgreSQL
 * holds the configuration and the encrypted target token; the job's workflow holds its state
 * and is steered through its control update. Routes and CLI verbs call these use cases.
 */

export interface JobServiceDeps {
  db: Database;
  sql: Sql;
  temporal: Client;
  taskQueue: string;
  secretsKey: SecretsKey;
}

/** A job's settings as saved: the target token travels separately and is never read back. */
export interface JobSettings {
  name: string;
  directoryId: string;
  applicationId: string;
  targetUrl: string;
  config: JobConfig;
}

export interface JobView {
  id: string;
  name: string;
  directoryId: string;
  applicationId: string;
  target: { url: string; dialect: JobConfig['dialect'] };
  scope: JobConfig['scope'];
  skipDefaultAccess: boolean;
  scopingFilters: JobConfig['scopingFilters'];
  groupScopingFilters: JobConfig['groupScopingFilters'];
  mappings: JobConfig['mappings'];
  actions: JobConfig['actions'];
  skipOutOfScopeDeletions: boolean;
  deleteThreshold: number | null;
  intervalMinutes: number;
  bulk: boolean;
  notificationEmail: string | null;
  state: JobStatus;
  createdAt: string;
  updatedAt: string;
}

export interface JobStatusResponse extends Omit<JobStatusView, 'escrowsPruned'> {
  totals: { users: number; groups: number };
  escrowsPruned: boolean;
}

type JobRow = typeof provisioningJobs.$inferSelect;

const FAILED_PRECONDITION = 9;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Changing any of these changes which objects are in scope or what they look like: the next cycle is a full one. */
const FULL_SYNC_SETTINGS = ['scope', 'skipDefaultAccess', 'scopingFilters', 'groupScopingFilters', 'mappings', 'dialect'] as const;

function toView(row: JobRow): JobView {
  const { dialect, ...config } = provisioningConfigSchema.parse(row.config);
  return {
    id: row.id,
    name: row.name,
    directoryId: row.directoryId,
    applicationId: row.applicationId,
    target: { url: row.targetUrl, dialect },
    ...config,
    state: row.state === 'NotConfigured' ? 'NotRun' : row.state,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createJobService(deps: JobServiceDeps) {
  const { db, sql, temporal } = deps;
  const engine: EngineDeps = { db, sql, secretsKey: deps.secretsKey };

  async function rowOf(id: string): Promise<JobRow> {
    const [row] = await db.select().from(provisioningJobs).where(eq(provisioningJobs.id, id));
    if (!row) throw new JobProblem('notFound', `job ${id} not found`);
    return row;
  }

  async function checkSource(directoryId: string, applicationId: string): Promise<void> {
    if (!(await getDirectory(db, directoryId))) throw new JobProblem('invalid', `directoryId: directory ${directoryId} not found`);
    if (!(await getApplication(db, directoryId, applicationId))) {
      throw new JobProblem('invalid', `applicationId: application ${applicationId} not found in directory ${directoryId}`);
    }
  }

  /** The state machine a job's workflow starts from: fresh, or rebuilt from the row's cached state after Temporal lost it. */
  async function machineOf(row: JobRow, now: Date): Promise<JobMachine> {
    const config = provisioningConfigSchema.parse(row.config);
    const fresh = newJobMachine(config.intervalMinutes);
    const status: JobStatus = row.state === 'NotConfigured' ? 'NotRun' : row.state;
    if (status === 'NotRun') return fresh;
    const [held] = status === 'AwaitingDeleteApproval'
      ? await db.selectDistinct({ cycleId: provisioningPendingDeletions.cycleId }).from(provisioningPendingDeletions)
        .where(eq(provisioningPendingDeletions.jobId, row.id)).limit(1)
      : [];
    return {
      ...fresh,
      status,
      quarantine: row.quarantine as Quarantine | null,
      // the schedule was in the lost workflow: an active job runs its next cycle now
      nextCycleAt: status === 'Active' || status === 'Paused' ? now.toISOString() : null,
      heldDeletionsCycleId: held?.cycleId ?? null,
    };
  }

  async function startWorkflow(row: JobRow, machine: JobMachine): Promise<void> {
    await temporal.workflow.start<typeof provisioningJob>('provisioningJob', {
      workflowId: jobWorkflowId(row.id),
      taskQueue: deps.taskQueue,
      args: [{ jobId: row.id, machine }],
      typedSearchAttributes: [{ key: jobIdKey, value: row.id }, { key: stateKey, value: machine.status }],
    });
  }

  const handleOf = (id: string) => temporal.workflow.getHandle<typeof provisioningJob>(jobWorkflowId(id));

  /** Runs `call` against the job's workflow, starting it again first when Temporal has lost it. */
  async function withWorkflow<T>(id: string, call: () => Promise<T>): Promise<T> {
    const row = await rowOf(id);
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await ensureWorkflow(row);
      return call();
    }
  }

  async function ensureWorkflow(row: JobRow): Promise<boolean> {
    try {
      await startWorkflow(row, await machineOf(row, new Date()));
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }

  return {
    async list(): Promise<JobView[]> {
      return (await db.select().from(provisioningJobs).orderBy(provisioningJobs.createdAt, provisioningJobs.id)).map(toView);
    },

    async get(id: string): Promise<JobView> {
      return toView(await rowOf(id));
    },

    async create(settings: JobSettings, token: string): Promise<JobView> {
      await checkSource(settings.directoryId, settings.applicationId);
      const [row] = await db.insert(provisioningJobs).values({
        name: settings.name,
        directoryId: settings.directoryId,
        applicationId: settings.applicationId,
        targetUrl: settings.targetUrl,
        targetTokenEncrypted: encryptSecret(token, deps.secretsKey),
        config: settings.config,
        state: 'NotRun',
      }).returning();
      try {
        await startWorkflow(row!, newJobMachine(settings.config.intervalMinutes));
      } catch (error) {
        // a job without its workflow would be half-made: take the row back
        await db.delete(provisioningJobs).where(eq(provisioningJobs.id, row!.id));
        throw error;
      }
      return toView(row!);
    },

    /** `patch` holds the settings given, already merged onto the job's and validated by the caller's `merge`. */
    async update(id: string, merge: (current: JobSettings) => JobSettings, token: string | undefined): Promise<JobView> {
      const row = await rowOf(id);
      const current: JobSettings = {
        name: row.name, directoryId: row.directoryId, applicationId: row.applicationId, targetUrl: row.targetUrl,
        config: provisioningConfigSchema.parse(row.config),
      };
      const next = merge(current);
      if (next.directoryId !== current.directoryId || next.applicationId !== current.applicationId) {
        await checkSource(next.directoryId, next.applicationId);
      }
      const full = next.directoryId !== current.directoryId || next.applicationId !== current.applicationId
        || FULL_SYNC_SETTINGS.some((k) => JSON.stringify(next.config[k]) !== JSON.stringify(current.config[k]));
      const [updated] = await db.update(provisioningJobs).set({
        name: next.name,
        directoryId: next.directoryId,
        applicationId: next.applicationId,
        targetUrl: next.targetUrl,
        config: next.config,
        ...(token === undefined ? {} : { targetTokenEncrypted: encryptSecret(token, deps.secretsKey) }),
        ...(full ? { fullSyncRequired: true } : {}),
        updatedAt: new Date(),
      }).where(eq(provisioningJobs.id, id)).returning();
      if (next.config.intervalMinutes !== current.config.intervalMinutes) {
        await withWorkflow(id, () => handleOf(id).executeUpdate(controlUpdate, {
          args: [{ type: 'configure', intervalMinutes: next.config.intervalMinutes }],
        }));
      }
      return toView(updated!);
    },

    async remove(id: string): Promise<void> {
      await rowOf(id);
      try {
        await handleOf(id).terminate('the provisioning job was deleted');
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      await db.delete(provisioningJobs).where(eq(provisioningJobs.id, id));
    },

    /** Sends a control; a control the job's state does not allow is a conflict and changes nothing. */
    async control(id: string, command: JobCommand): Promise<JobStatusResponse> {
      try {
        await withWorkflow(id, () => handleOf(id).executeUpdate(controlUpdate, { args: [command] }));
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === 'CommandRefused') throw new JobProblem('conflict', cause.message);
        throw error;
      }
      return this.status(id);
    },

    async status(id: string): Promise<JobStatusResponse> {
      const view = await withWorkflow(id, () => handleOf(id).query(statusQuery)).catch((error: unknown) => {
        // a query is answered by a worker: none polling is an outage to report, not a failure of the request
        if ((error as { cause?: { code?: number } }).cause?.code === FAILED_PRECONDITION) {
          throw new JobProblem('unavailable', 'no provisioning worker is running to answer for this job; start `scimflow worker`');
        }
        throw error;
      });
      const rows = await sql<{ object_type: string; n: string }[]>`
        select object_type, count(*) as n from provisioning_links where job_id = ${id} group by object_type`;
      const count = (type: string) => Number(rows.find((r) => r.object_type === type)?.n ?? 0);
      return { ...view, totals: { users: count('user'), groups: count('group') } };
    },

    /** §7's connection test: a GET with a filter on a random id, which must answer an empty list. */
    async testConnection(id: string): Promise<{ ok: true } | { ok: false; error: string }> {
      const row = await rowOf(id);
      const config = provisioningConfigSchema.parse(row.config);
      const client = createScimClient({
        baseUrl: row.targetUrl, token: decryptSecret(row.targetTokenEncrypted, deps.secretsKey), dialect: config.dialect,
        concurrency: 1, timeoutMs: 10_000, retry: { maxAttempts: 1 },
      });
      try {
        await client.testConnection();
        return { ok: true };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      } finally {
        await client.close();
      }
    },

    async provisionOnDemand(id: string, target: { userId: string } | { groupId: string }): Promise<LogEntryInput[]> {
      await rowOf(id);
      const ctx = await openJob(engine, id, { retry: { maxAttempts: 1 } });
      try {
        return await provisionOnDemand(ctx, target);
      } finally {
        await ctx.close();
      }
    },

    /** Starts a dry-run full cycle and answers with its id once it exists. */
    async preview(id: string): Promise<{ cycleId: string }> {
      await rowOf(id);
      const handle = await temporal.workflow.start<typeof previewCycle>('previewCycle', {
        workflowId: previewWorkflowId(id, randomUUID()),
        taskQueue: deps.taskQueue,
        args: [{ jobId: id }],
        typedSearchAttributes: [{ key: jobIdKey, value: id }],
      });
      return handle.executeUpdate(previewStartedUpdate);
    },

    /**
     * Start-up reconciliation: every job gets a running workflow (rebuilt from the row's cached
     * state when Temporal lost it, for instance after its database was wiped), and a job
     * workflow whose row is gone is terminated instead of failing its activities forever.
     */
    async reconcile(): Promise<{ started: string[]; terminated: string[] }> {
      const started: string[] = [];
      const terminated: string[] = [];
      for (const row of await db.select().from(provisioningJobs)) {
        if (await ensureWorkflow(row)) started.push(row.id);
      }
      const running = temporal.workflow.list({
        query: `WorkflowType = 'provisioningJob' AND ExecutionStatus = 'Running' AND TaskQueue = '${deps.taskQueue}'`,
      });
      for await (const execution of running) {
        const jobId = execution.workflowId.replace(/^provisioning-job-/, '');
        const exists = UUID.test(jobId)
          && (await db.select({ one: dsql`1` }).from(provisioningJobs).where(eq(provisioningJobs.id, jobId))).length > 0;
        if (exists) continue;
        await temporal.workflow.getHandle(execution.workflowId).terminate('the provisioning job no longer exists');
        terminated.push(jobId);
      }
      return { started, terminated };
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
