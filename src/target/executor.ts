import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, Sql } from '../db/client.js';

/**
 * Statements of the SCIM hot paths, built with drizzle's `sql` and sent by postgres.js as
 * prepared statements. drizzle's own `execute` sends unnamed statements, which postgres.js
 * runs as describe-then-execute: two round trips per statement instead of one.
 */

/** The connection pool or an open transaction. */
export type Executor = Pick<Sql, 'unsafe'>;

const dialect = new PgDialect();

/**
 * Every distinct statement text is prepared once per pooled connection and kept there, and
 * filters can be written in endless shapes; past this many distinct texts new ones run
 * unprepared, so a client cannot grow the server's memory without bound.
 */
const MAX_PREPARED_TEXTS = 256;
const prepared = new Set<string>();

export async function query<T extends object>(executor: Executor, statement: SQL): Promise<T[]> {
  const { sql, params } = dialect.sqlToQuery(statement);
  if (!prepared.has(sql) && prepared.size < MAX_PREPARED_TEXTS) prepared.add(sql);
  return await executor.unsafe(sql, params as never[], { prepare: prepared.has(sql) }) as unknown as T[];
}

/** The postgres.js client under a drizzle database (drizzle keeps it as `$client`). */
export function clientOf(db: Database): Sql {
  return (db as Database & { $client: Sql }).$client;
}
