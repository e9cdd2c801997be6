import { LOG_IDENTITY_TEXT } from '../db/provisioning.js';
import type { LogAction, LogStatus } from './logs.js';

/**
 * Reading the provisioning log: one statement for a page and for an export, newest first,
 * paged by keyset on `id` (the `(job_id, id desc)` index) — never OFFSET, so page 1,000 costs
 * what page 1 does. Building the statement is pure; running it is the caller's.
 */

export const LOG_ACTIONS = ['Create', 'Update', 'Disable', 'Delete', 'StagedDelete', 'Other'] as const satisfies readonly LogAction[];
export const LOG_STATUSES = ['Success', 'Failure', 'Skipped', 'Warning'] as const satisfies readonly LogStatus[];

export interface LogFilter {
  jobId: string;
  statuses?: readonly LogStatus[];
  actions?: readonly LogAction[];
  cycleId?: string;
  sourceId?: string;
  /** inclusive */
  since?: Date;
  /** exclusive */
  until?: Date;
  /** case-insensitive substring of a source or target id or display name */
  q?: string;
}

export interface LogPage {
  /** entries with ids below this one (the cursor's position) */
  beforeId?: string;
  /** rows to read; omitted, the whole filtered result (an export) */
  limit?: number;
}

export interface LogStatement {
  text: string;
  params: Array<string | readonly string[] | number>;
}

/**
 * Column aliases in the shape of the drizzle row, so `logEntryFromRow` reads them once `at`
 * is a Date (see `rowWithDate`): drizzle makes the shared client hand timestamps over as
 * PostgreSQL text, so the statement renders `at` as ISO 8601 itself.
 */
const COLUMNS = `id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, job_id as "jobId", cycle_id as "cycleId", change_id as "changeId", action, status,
  source_type as "sourceType", source_id as "sourceId", source_display_name as "sourceDisplayName",
  target_id as "targetId", target_display_name as "targetDisplayName", duration_ms as "durationMs",
  error_code as "errorCode", error_reason as "errorReason", modified_properties as "modifiedProperties", steps`;

/** `%` and `_` in a search are literal characters, not patterns. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function buildLogQuery(filter: LogFilter, page: LogPage = {}): LogStatement {
  const params: LogStatement['params'] = [];
  const param = (value: LogStatement['params'][number], cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  const where = [`job_id = ${param(filter.jobId, 'uuid')}`];
  if (filter.statuses?.length) where.push(`status = any(${param(filter.statuses, 'text[]')})`);
  if (filter.actions?.length) where.push(`action = any(${param(filter.actions, 'text[]')})`);
  if (filter.cycleId !== undefined) where.push(`cycle_id = ${param(filter.cycleId, 'uuid')}`);
  if (filter.sourceId !== undefined) where.push(`source_id = ${param(filter.sourceId, 'text')}`);
  if (filter.since !== undefined) where.push(`at >= ${param(filter.since.toISOString(), 'timestamptz')}`);
  if (filter.until !== undefined) where.push(`at < ${param(filter.until.toISOString(), 'timestamptz')}`);
  if (filter.q !== undefined) where.push(`${LOG_IDENTITY_TEXT} ilike ${param(likePattern(filter.q), 'text')}`);
  if (page.beforeId !== undefined) where.push(`id < ${param(page.beforeId, 'bigint')}`);
  const limit = page.limit === undefined ? '' : ` limit ${param(page.limit, 'int')}`;
  return { text: `select ${COLUMNS} from provisioning_logs where ${where.join(' and ')} order by id desc${limit}`, params };
}

const CURSOR_PREFIX = 'log:';

/** An opaque cursor: callers pass back `nextCursor` and never build one. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${lastId}`).toString('base64url');
}

/** The id a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const id = text.slice(CURSOR_PREFIX.length);
  return /^[1-9][0-9]{0,18}$/.test(id) ? id : null;
}

/**
 * One page from `limit + 1` rows read: the extra row only says there is more, and the cursor
 * points at the last row returned.
 */
export function pageOf<T extends { id: string }>(rows: readonly T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.id) : null };
}

/** A row as the statement returns it, `at` still ISO text. */
export type LogQueryRow<Row extends { at: Date }> = Omit<Row, 'at'> & { at: string };

export function rowWithDate<Row extends { at: Date }>(row: LogQueryRow<Row>): Row {
  return { ...row, at: new Date(row.at) } as Row;
}
