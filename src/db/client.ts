import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { poolOptions } from './pool.js';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export interface DbHandle {
  sql: Sql;
  db: Database;
  close(): Promise<void>;
}

export function connect(url: string, options: { max?: number } = {}): DbHandle {
  const sql = postgres(url, {
    ...poolOptions(options.max),
    // bigint sequence numbers (change feed positions) stay exact as strings
    types: {},
  });
  const db = drizzle(sql, { schema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
