import type { Request, Response } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import type { Database, Sql } from '../db/client.js';
import { provisioningJobs, type provisioningLogs } from '../db/provisioning.js';
import { objectId } from '../directory/records.js';
import type { Logger } from '../logger.js';
import { EXPORT_FORMATS, type ExportFile, type ExportFormat } from '../provisioning/log-export.js';
import { LOG_ACTIONS, LOG_STATUSES, buildLogQuery, decodeCursor, pageOf, rowWithDate, type LogFilter, type LogQueryRow } from '../provisioning/log-query.js';
import { logEntryFromRow } from '../provisioning/logs.js';
import { badRequest, notFound } from './problem.js';
import { parseInput } from './validate.js';

/** api.md `GET /api/jobs/{id}/logs`: a page of the provisioning log, or all of it as an export. */

/** `status=Failure,Skipped` and `status=Failure&status=Skipped` mean the same. */
const list = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(
  (v) => (Array.isArray(v) ? v.join(',') : v),
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.enum(values)).min(1)),
);

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const logsQuerySchema = z.strictObject({
  status: list(LOG_STATUSES).optional().describe('one or more statuses, comma-separated'),
  action: list(LOG_ACTIONS).optional().describe('one or more actions, comma-separated'),
  cycleId: z.guid().optional(),
  sourceId: z.string().min(1).max(1000).optional().describe('the source object id, exactly'),
  since: instant.optional().describe('entries at or after this time (ISO 8601)'),
  until: instant.optional().describe('entries before this time (ISO 8601)'),
  q: z.string().trim().min(1).max(200).optional()
    .describe('case-insensitive text within a source or target id or display name'),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'csv', 'ndjson']).optional()
    .describe('csv or ndjson streams the whole filtered log as an attachment (so does Accept: text/csv)'),
}).refine((q) => !q.since || !q.until || q.since < q.until, { message: 'since must be before until', path: ['since'] });

/** Rows fetched per round trip while exporting: big enough to amortise, small enough to stay flat in memory. */
const EXPORT_BATCH = 2_000;

type LogRow = LogQueryRow<typeof provisioningLogs.$inferSelect>;

/** drizzle's postgres.js database carries its client; only it can stream a portal (`cursor`). */
const clientOf = (db: Database): Sql => (db as Database & { $client: Sql }).$client;

export function logsRouter(db: Database, logger: Logger): Router {
  const router = Router();
  const sql = clientOf(db);

  router.get('/jobs/:id/logs', async (req, res) => {
    const jobId = parseInput(objectId, req.params.id);
    const query = parseInput(logsQuerySchema, req.query);
    const [job] = await db.select({ id: provisioningJobs.id }).from(provisioningJobs).where(eq(provisioningJobs.id, jobId));
    if (!job) throw notFound(`job ${jobId} not found`);
    const filter: LogFilter = {
      jobId, statuses: query.status, actions: query.action, cycleId: query.cycleId, sourceId: query.sourceId,
      since: query.since, until: query.until, q: query.q,
    };
    const format = exportFormat(req, query.format);
    if (format) {
      await streamExport(res, format, filter, req.log ?? logger);
      return;
    }
    const beforeId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (beforeId === null) throw badRequest('cursor: not a cursor this endpoint handed out');
    const statement = buildLogQuery(filter, { beforeId, limit: query.limit + 1 });
    const rows = await sql.unsafe<LogRow[]>(statement.text, statement.params as never[]);
    res.json(pageOf(rows.map((row) => logEntryFromRow(rowWithDate(row))), query.limit));
  });

  /**
   * Streams every filtered entry from a server-side cursor, one batch in memory at a time,
   * writing only as fast as the client reads. Once the headers are out an error can only cut
   * the download short, so it is logged and the connection closed (an incomplete file, never
   * a silently truncated one that looks whole).
   */
  async function streamExport(res: Response, format: ExportFormat, filter: LogFilter, log: Logger): Promise<void> {
    const file: ExportFile = EXPORT_FORMATS[format];
    res.status(200).type(file.contentType);
    res.setHeader('content-disposition', `attachment; filename="scimflow-logs-${filter.jobId}.${format}"`);
    res.setHeader('cache-control', 'no-store');
    if (file.header) res.write(file.header);
    const statement = buildLogQuery(filter);
    try {
      for await (const rows of sql.unsafe<LogRow[]>(statement.text, statement.params as never[]).cursor(EXPORT_BATCH)) {
        if (res.destroyed) break;
        let chunk = '';
        for (const row of rows) chunk += file.record(logEntryFromRow(rowWithDate(row)));
        if (!res.write(chunk)) await drained(res);
      }
      res.end();
    } catch (err) {
      log.error({ err, jobId: filter.jobId }, 'provisioning log export failed midway');
      res.destroy();
    }
  }

  return router;
}

/** `?format=` wins; otherwise the Accept header, with JSON pages for anything else. */
function exportFormat(req: Request, format: 'json' | ExportFormat | undefined): ExportFormat | null {
  if (format) return format === 'json' ? null : format;
  const accepted = req.accepts(['application/json', 'text/csv', 'application/x-ndjson']);
  if (accepted === 'text/csv') return 'csv';
  if (accepted === 'application/x-ndjson') return 'ndjson';
  return null;
}

/** Resolves when the response can take more, or is gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
