import type postgres from 'postgres';

/**
 * Connections each process keeps to PostgreSQL (DATABASE_POOL_SIZE). More connections than
 * the database has cores to run them only queue inside PostgreSQL, where they cost context
 * switches: on the 2-core benchmark machine, one bench:scim run with 8 served 9–19 % more
 * requests per second than with 20, in every scenario and for the bare ceiling alike (a run
 * before postgres.js was patched, so part of that may have been its queue; not measured since).
 */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The postgres.js settings of every pool we open, the benchmark's bare ceiling included.
 * (postgres.js itself carries a patch, patches/postgres+3.4.9.patch: unpatched, a pool under
 * sustained load slows down by the minute; `npm run bench:pool` shows it.)
 */
export function poolOptions(max: number = DEFAULT_POOL_SIZE): postgres.Options<Record<string, postgres.PostgresType>> {
  return { max, onnotice: () => {} };
}
