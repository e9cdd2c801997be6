import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { provisioningLogs } from '../db/provisioning.js';

/**
 * The provisioning log (entra-provisioning.md §8): one entry per object per operation, in the
 * shape of api.md's log entry. Entries are written in batches — one INSERT per
 * `LOG_BATCH_SIZE` entries, all in one transaction — never a round trip per entry.
 */

export type LogAction = 'Create' | 'Update' | 'Disable' | 'Delete' | 'StagedDelete' | 'Other';
export type LogStatus = 'Success' | 'Failure' | 'Skipped' | 'Warning';
export type LogStepName = 'import' | 'scoping' | 'matching' | 'processing' | 'referenceResolution' | 'export';

export interface LogStep {
  name: LogStepName;
  status: 'success' | 'failure' | 'skipped' | 'warning';
  description: string;
}

export interface ModifiedProperty {
  name: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface LogIdentity {
  id: string | null;
  type: 'User' | 'Group';
  displayName: string | null;
}

/** What the engine hands to `writeLogs`: api.md's log entry without the stored `id`. */
export interface LogEntryInput {
  /** defaults to the time of writing */
  at?: Date;
  jobId: string;
  cycleId: string | null;
  /** defaults to a fresh UUID; the same change retried keeps its id */
  changeId?: string;
  action: LogAction;
  status: LogStatus;
  sourceIdentity: LogIdentity;
  targetIdentity: LogIdentity;
  durationMs: number | null;
  error: { code: string; reason: string } | null;
  modifiedProperties: ModifiedProperty[];
  steps: LogStep[];
}

/** api.md's log entry, as read back. */
export interface LogEntry extends Required<Omit<LogEntryInput, 'at'>> {
  /** the keyset cursor: ascending with insertion */
  id: string;
  at: string;
}

export const LOG_BATCH_SIZE = 1_000;

const SECRET_NAME = /password|secret|token|credential/i;

/** A password mapped by mistake must not end up readable in the log (design.md, secrets). */
function redactProperty(property: ModifiedProperty): ModifiedProperty {
  return SECRET_NAME.test(property.name)
    ? { name: property.name, oldValue: property.oldValue === null ? null : '[redacted]', newValue: property.newValue === null ? null : '[redacted]' }
    : property;
}

function toRecord(entry: LogEntryInput): Record<string, unknown> {
  return {
    at: (entry.at ?? new Date()).toISOString(),
    job_id: entry.jobId,
    cycle_id: entry.cycleId,
    change_id: entry.changeId ?? null,
    action: entry.action,
    status: entry.status,
    source_type: entry.sourceIdentity.type,
    source_id: entry.sourceIdentity.id,
    source_display_name: entry.sourceIdentity.displayName,
    target_id: entry.targetIdentity.id,
    target_display_name: entry.targetIdentity.displayName,
    duration_ms: entry.durationMs === null ? null : Math.round(entry.durationMs),
    error_code: entry.error?.code ?? null,
    error_reason: entry.error?.reason ?? null,
    modified_properties: entry.modifiedProperties.map(redactProperty),
    steps: entry.steps,
  };
}

/** Writes the entries in batches within one transaction: all of them, or none on failure. */
export async function writeLogs(db: Database, entries: readonly LogEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  await db.transaction(async (tx) => {
    for (let i = 0; i < entries.length; i += LOG_BATCH_SIZE) {
      const batch = JSON.stringify(entries.slice(i, i + LOG_BATCH_SIZE).map(toRecord));
      // jsonb_to_recordset keeps the statement's parameter count at one whatever the batch size
      await tx.execute(sql`
        insert into provisioning_logs (at, job_id, cycle_id, change_id, action, status, source_type, source_id,
          source_display_name, target_id, target_display_name, duration_ms, error_code, error_reason,
          modified_properties, steps)
        select x.at, x.job_id, x.cycle_id, coalesce(x.change_id, gen_random_uuid()), x.action, x.status, x.source_type,
          x.source_id, x.source_display_name, x.target_id, x.target_display_name, x.duration_ms, x.error_code,
          x.error_reason, x.modified_properties, x.steps
        from rows from (jsonb_to_recordset(${batch}::jsonb) as (at timestamptz, job_id uuid, cycle_id uuid,
          change_id uuid, action text, status text, source_type text, source_id text, source_display_name text,
          target_id text, target_display_name text, duration_ms integer, error_code text, error_reason text,
          modified_properties jsonb, steps jsonb)) with ordinality as x
        order by x.ordinality`);
    }
  });
}

/** A stored row in api.md's log entry shape. */
export function logEntryFromRow(row: typeof provisioningLogs.$inferSelect): LogEntry {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    jobId: row.jobId,
    cycleId: row.cycleId,
    changeId: row.changeId,
    action: row.action as LogAction,
    status: row.status as LogStatus,
    sourceIdentity: { id: row.sourceId, type: (row.sourceType ?? 'User') as LogIdentity['type'], displayName: row.sourceDisplayName },
    targetIdentity: { id: row.targetId, type: (row.sourceType ?? 'User') as LogIdentity['type'], displayName: row.targetDisplayName },
    durationMs: row.durationMs,
    error: row.errorCode === null ? null : { code: row.errorCode, reason: row.errorReason ?? '' },
    modifiedProperties: row.modifiedProperties as ModifiedProperty[],
    steps: row.steps as LogStep[],
  };
}
