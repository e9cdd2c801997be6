import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client.js';

/**
 * Provisioning log retention (entra-provisioning.md §8: kept 30 days): deletes entries older
 * than the retention in batches, each its own short statement, so a large backlog never holds
 * one long transaction or lock and a retried attempt just carries on.
 */

export const DEFAULT_LOG_RETENTION_DAYS = 30;
const DELETE_BATCH = 5_000;

export interface LogRetentionInput {
  retentionDays: number;
}

export interface LogRetentionResult {
  deleted: number;
  cutoff: string;
}

export function createLogRetentionActivities(sql: Sql, batchSize = DELETE_BATCH) {
  return {
    async deleteExpiredLogs(input: LogRetentionInput): Promise<LogRetentionResult> {
      // ISO text, not a Date: drizzle makes the shared client pass timestamps through as text
      const cutoff = new Date(Date.now() - input.retentionDays * 86_400_000).toISOString();
      // Entries are written in time order, so the oldest kept one bounds an id range below it:
      // each batch is then a primary-key range read instead of a scan of everything kept.
      const [boundary] = await sql<{ id: string }[]>`
        select id from provisioning_logs where at >= ${cutoff}::timestamptz order by id limit 1`;
      let deleted = 0;
      for (;;) {
        const result = await sql`
          delete from provisioning_logs where id in (
            select id from provisioning_logs
            where at < ${cutoff}::timestamptz ${boundary ? sql`and id < ${boundary.id}` : sql``}
            order by id limit ${batchSize})`;
        deleted += result.count;
        Context.current().heartbeat({ deleted });
        if (result.count < batchSize) break;
      }
      return { deleted, cutoff };
    },
  };
}

export type LogRetentionActivities = ReturnType<typeof createLogRetentionActivities>;
