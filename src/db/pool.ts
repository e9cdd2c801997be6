import type postgres from 'postgres';

/**
 * Connections each process keeps to PostgreSQL (DATABASE_POOL_SIZE). More connections than
 * the database has cores to run them only queue inside PostgreSQL, where they cost context
 * switches: on the 2-core benchmark machine, one bench:scim run with 8 served 9–19 % more
 * requests per second than with 20, in every scenario and for the bare ceiling alike.
 */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The postgres.js settings of every pool we open, the benchmark's bare ceiling included.
 *
 * One query in flight per connection: postgres.js 3.4.9 pipelines further queries onto busy
 * connections, and each of those leaves a hole in its internal busy queue that a linear
 * search walks on every later query until the queue happens to drain, which sustained load
 * never lets it do. 50 callers on a pool of 10 running `select 1` fell from 35,000 to 6,600
 * queries/s within 30 s; with no pipelining they held 57,000. Queries wait in the pool's
 * queue instead and go out as soon as a connection is ready.
 */
export function poolOptions(max: number = DEFAULT_POOL_SIZE): postgres.Options<Record<string, postgres.PostgresType>> {
  // max_pipeline is read by postgres.js but missing from its type definitions
  const options = { max, max_pipeline: 1, onnotice: () => {} };
  return options;
}
