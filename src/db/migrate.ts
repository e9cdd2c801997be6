import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { connect } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Applies the committed drizzle migrations; safe to run concurrently and repeatedly. */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const handle = connect(databaseUrl, { max: 1 });
  try {
    // Two processes starting together (api + worker) must not both migrate at once.
    await handle.sql`select pg_advisory_lock(7235001)`;
    await migrate(handle.db, { migrationsFolder });
    await handle.sql`select pg_advisory_unlock(7235001)`;
  } finally {
    await handle.close();
  }
}
