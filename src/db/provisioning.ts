import { sql } from 'drizzle-orm';
import {
  pgTable, uuid, text, boolean, integer, bigint, bigserial, jsonb, timestamp, index, primaryKey,
} from 'drizzle-orm/pg-core';

/**
 * The provisioning engine's storage: jobs, the connector data store (links), escrows, cycles,
 * the provisioning log and the deletions a cycle holds back until its end.
 *
 * Change-feed positions (watermarks) are bigint columns read as JS numbers: they stay exact up
 * to 2^53 and, unlike BigInt, survive JSON (workflow inputs, API answers).
 */

export type ObjectType = 'user' | 'group';

export type JobState = 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine'
  | 'AwaitingDeleteApproval' | 'Disabled' | 'Stopped';

/** Graph's synchronizationQuarantine, stored as the job's current quarantine (null when none). */
export interface QuarantineState {
  reason: string;
  currentBegan: string;
  nextAttempt: string;
  seriesBegan: string;
  seriesCount: number;
}

const createdAt = () => timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();

export const provisioningJobs = pgTable('provisioning_jobs', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  directoryId: uuid('directory_id').notNull(),
  applicationId: uuid('application_id').notNull(),
  targetUrl: text('target_url').notNull(),
  /** `encryptSecret` blob (src/provisioning/secrets.ts); the plain token is never stored */
  targetTokenEncrypted: text('target_token_encrypted').notNull(),
  /** the validated job configuration (src/provisioning/config.ts) */
  config: jsonb('config').notNull().$type<Record<string, unknown>>(),
  /** a cache of the workflow's state for listing; the workflow is the source of truth */
  state: text('state').notNull().default('NotRun').$type<JobState>(),
  watermark: bigint('watermark', { mode: 'number' }),
  fullSyncRequired: boolean('full_sync_required').notNull().default(true),
  quarantine: jsonb('quarantine').$type<QuarantineState>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [index('provisioning_jobs_directory_idx').on(t.directoryId)]);

/**
 * The connector data store: which target object a source object became, and what was last
 * exported to it, so an update sends only the attributes that changed (and the log can show
 * old values) without reading the target back.
 */
export const provisioningLinks = pgTable('provisioning_links', {
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  objectType: text('object_type').notNull().$type<ObjectType>(),
  sourceId: text('source_id').notNull(),
  targetId: text('target_id').notNull(),
  /** flat map of target attribute path → value, as last exported */
  exported: jsonb('exported').notNull().$type<Record<string, unknown>>(),
  exportHash: text('export_hash').notNull(),
  state: text('state').notNull().default('provisioned').$type<'provisioned' | 'disabled'>(),
  updatedAt: updatedAt(),
}, (t) => [
  primaryKey({ columns: [t.jobId, t.objectType, t.sourceId] }),
  index('provisioning_links_target_idx').on(t.jobId, t.targetId),
]);

/** Objects whose last operation failed, retried in later cycles with a growing delay. */
export const provisioningEscrows = pgTable('provisioning_escrows', {
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  objectType: text('object_type').notNull().$type<ObjectType>(),
  sourceId: text('source_id').notNull(),
  attempts: integer('attempts').notNull().default(1),
  firstFailedAt: timestamp('first_failed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  nextRetryAt: timestamp('next_retry_at', { withTimezone: true, precision: 3 }).notNull(),
  errorCode: text('error_code').notNull(),
  errorReason: text('error_reason').notNull(),
  /** failures resolving references (manager, members) do not count toward quarantine */
  referenceFailure: boolean('reference_failure').notNull().default(false),
}, (t) => [
  primaryKey({ columns: [t.jobId, t.objectType, t.sourceId] }),
  index('provisioning_escrows_next_retry_idx').on(t.jobId, t.nextRetryAt),
]);

export type CycleKind = 'initial' | 'incremental';

export const provisioningCycles = pgTable('provisioning_cycles', {
  id: uuid('id').primaryKey().defaultRandom(),
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull().$type<CycleKind>(),
  dryRun: boolean('dry_run').notNull().default(false),
  startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  watermarkFrom: bigint('watermark_from', { mode: 'number' }),
  watermarkTo: bigint('watermark_to', { mode: 'number' }),
  counts: jsonb('counts').notNull().default({}).$type<Record<string, number>>(),
  status: text('status').notNull().default('running').$type<'running' | 'succeeded' | 'failed' | 'stopped'>(),
}, (t) => [index('provisioning_cycles_job_idx').on(t.jobId, t.startedAt.desc())]);

/**
 * The log's identities as one text, searched by `q` with a trigram index (pg_trgm) so a
 * substring match on names and ids stays an index scan. Queries must repeat it verbatim.
 */
export const LOG_IDENTITY_TEXT = `(coalesce(source_id, '') || ' ' || coalesce(source_display_name, '') || ' ' || coalesce(target_id, '') || ' ' || coalesce(target_display_name, ''))`;

/** One row per object per operation (entra-provisioning.md §8; api.md log entry). */
export const provisioningLogs = pgTable('provisioning_logs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  cycleId: uuid('cycle_id'),
  changeId: uuid('change_id').notNull().default(sql`gen_random_uuid()`),
  action: text('action').notNull(),
  status: text('status').notNull(),
  sourceType: text('source_type'),
  sourceId: text('source_id'),
  sourceDisplayName: text('source_display_name'),
  targetId: text('target_id'),
  targetDisplayName: text('target_display_name'),
  durationMs: integer('duration_ms'),
  errorCode: text('error_code'),
  errorReason: text('error_reason'),
  modifiedProperties: jsonb('modified_properties').notNull().default([]).$type<unknown[]>(),
  steps: jsonb('steps').notNull().default([]).$type<unknown[]>(),
}, (t) => [
  index('provisioning_logs_job_id_idx').on(t.jobId, t.id.desc()),
  index('provisioning_logs_cycle_idx').on(t.jobId, t.cycleId),
  index('provisioning_logs_source_idx').on(t.jobId, t.sourceId),
  index('provisioning_logs_status_idx').on(t.jobId, t.status),
  index('provisioning_logs_at_idx').on(t.jobId, t.at),
  index('provisioning_logs_identity_trgm_idx').using('gin', sql.raw(`${LOG_IDENTITY_TEXT} gin_trgm_ops`)),
]);

/**
 * Disables and deletes a cycle decided on, collected until its end so the accidental-deletion
 * threshold is applied to the cycle as a whole: executed when under it, held (StagedDelete)
 * when over it until an admin allows them.
 */
export const provisioningPendingDeletions = pgTable('provisioning_pending_deletions', {
  jobId: uuid('job_id').notNull().references(() => provisioningJobs.id, { onDelete: 'cascade' }),
  cycleId: uuid('cycle_id').notNull(),
  objectType: text('object_type').notNull().$type<ObjectType>(),
  sourceId: text('source_id').notNull(),
  targetId: text('target_id').notNull(),
  sourceDisplayName: text('source_display_name'),
  action: text('action').notNull().$type<'disable' | 'delete'>(),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.jobId, t.cycleId, t.objectType, t.sourceId] })]);
