import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';
import { runMigrations } from '../../src/db/migrate.js';

const BENCH_DATABASE = 'scimflow_bench';

export interface BenchDatabase {
  url: string;
  /** where it runs, for the report */
  description: string;
  /** the embedded server's postmaster, whose process tree's CPU time can be read; unknown for BENCH_DATABASE_URL */
  postmasterPid: number | undefined;
  stop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A freshly created, migrated database: in the server of BENCH_DATABASE_URL when set,
 * otherwise in an embedded PostgreSQL under .data/bench-postgres. The embedded one runs
 * without fsync (the data is thrown away), so the figures measure our code, not the disk;
 * the ceiling writes to the same database under the same settings.
 */
export async function freshBenchDatabase(
  serverUrl: string | undefined,
  // each benchmark its own database and data directory, so two of them can run at once
  own: { database: string; dataDir: string } = { database: BENCH_DATABASE, dataDir: '.data/bench-postgres' },
): Promise<BenchDatabase> {
  const embedded = serverUrl
    ? undefined
    : await startEmbeddedPostgres(own.dataDir, { database: 'postgres', durable: false });
  const adminUrl = serverUrl ?? embedded!.url;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${own.database} with (force)`);
    await admin.unsafe(`create database ${own.database}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, own.database);
  await runMigrations(url);
  return {
    url,
    description: embedded ? `embedded PostgreSQL (${own.dataDir}, fsync off)` : 'BENCH_DATABASE_URL',
    postmasterPid: embedded ? postmasterPid(path.join(own.dataDir, 'data')) : undefined,
    stop: async () => {
      await embedded?.stop();
    },
  };
}

/** postmaster.pid's first line is the postmaster's process id. */
function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0]!, 10);
  return Number.isInteger(pid) ? pid : undefined;
}
