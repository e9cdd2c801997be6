/**
 * `npm run bench:pool`: does a postgres.js pool hold its pace under sustained load?
 *
 * BENCH_CALLERS (50) callers share one pool of DATABASE_POOL_SIZE (10) connections, each
 * running `select 1` as fast as it is answered, for BENCH_DURATION seconds (30); prints
 * queries/s per 5-second window. Unpatched postgres.js 3.4.9 fell within 30 s to a fifth of
 * its first window's pace (postgres#747); patches/postgres+3.4.9.patch keeps it flat.
 * Runs against BENCH_DATABASE_URL, or an embedded PostgreSQL under .data/bench-pool.
 */
import postgres from 'postgres';
import { DEFAULT_POOL_SIZE, poolOptions } from '../src/db/pool.js';
import { freshBenchDatabase } from './support/database.js';

const env = process.env;
const callers = Number(env.BENCH_CALLERS ?? 50);
const durationSec = Number(env.BENCH_DURATION ?? 30);
const poolSize = Number(env.DATABASE_POOL_SIZE ?? DEFAULT_POOL_SIZE);
const WINDOW_SEC = 5;

const database = await freshBenchDatabase(env.BENCH_DATABASE_URL, { database: 'scimflow_bench_pool', dataDir: '.data/bench-pool' });
const sql = postgres(database.url, poolOptions(poolSize));
try {
  console.log(`pool benchmark: ${callers} callers on a pool of ${poolSize}, select 1, ${durationSec} s`);
  let answered = 0;
  let running = true;
  const caller = async () => {
    while (running) {
      await sql`select 1`;
      answered++;
    }
  };
  const windows: number[] = [];
  const workers = Array.from({ length: callers }, caller);
  for (let t = WINDOW_SEC; t <= durationSec; t += WINDOW_SEC) {
    const before = answered;
    await new Promise((resolve) => setTimeout(resolve, WINDOW_SEC * 1000));
    windows.push((answered - before) / WINDOW_SEC);
    console.log(`  ${String(t).padStart(3)} s: ${windows.at(-1)!.toFixed(0)} queries/s`);
  }
  running = false;
  await Promise.all(workers);
  console.log(`last window / first: ${(windows.at(-1)! / windows[0]!).toFixed(2)}`);
} finally {
  await sql.end({ timeout: 5 });
  await database.stop();
}
