import type { LogEntry } from './logs.js';

/**
 * The provisioning log as export files: NDJSON (one log entry per line, api.md's shape) and
 * CSV (RFC 4180: CRLF line ends, fields quoted when they hold a quote, comma or line break;
 * text that would start a spreadsheet formula is prefixed with an apostrophe).
 * CSV is flat, so modified properties and steps travel as JSON in a column each.
 */

export type ExportFormat = 'csv' | 'ndjson';

const CSV_COLUMNS: ReadonlyArray<[string, (e: LogEntry) => string | number | null]> = [
  ['id', (e) => e.id],
  ['at', (e) => e.at],
  ['jobId', (e) => e.jobId],
  ['cycleId', (e) => e.cycleId],
  ['changeId', (e) => e.changeId],
  ['action', (e) => e.action],
  ['status', (e) => e.status],
  ['sourceType', (e) => e.sourceIdentity.type],
  ['sourceId', (e) => e.sourceIdentity.id],
  ['sourceDisplayName', (e) => e.sourceIdentity.displayName],
  ['targetId', (e) => e.targetIdentity.id],
  ['targetDisplayName', (e) => e.targetIdentity.displayName],
  ['durationMs', (e) => e.durationMs],
  ['errorCode', (e) => e.error?.code ?? null],
  ['errorReason', (e) => e.error?.reason ?? null],
  ['modifiedProperties', (e) => JSON.stringify(e.modifiedProperties)],
  ['steps', (e) => JSON.stringify(e.steps)],
];

/**
 * Text a spreadsheet would run as a formula when the export is opened ("CSV injection"):
 * display names and error reasons come from directories and targets, not from the admin.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  // a leading apostrophe makes spreadsheets show the text as text; numbers stay numbers
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`;

export function csvRecord(entry: LogEntry): string {
  return `${CSV_COLUMNS.map(([, value]) => csvField(value(entry))).join(',')}\r\n`;
}

export function ndjsonRecord(entry: LogEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

export interface ExportFile {
  contentType: string;
  header: string;
  record(entry: LogEntry): string;
}

export const EXPORT_FORMATS: Record<ExportFormat, ExportFile> = {
  csv: { contentType: 'text/csv; charset=utf-8', header: CSV_HEADER, record: csvRecord },
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', header: '', record: ndjsonRecord },
};
