import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/dev/embedded-postgres.js';
import { startDevTemporal, type DevTemporal } from '../src/dev/temporal.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';

/**
 * One PostgreSQL for the whole run: the machine's own when TEST_DATABASE_URL is set,
 * otherwise an embedded one. Each test file then creates its own database in it
 * (test/support/db.ts), so files never see each other's rows.
 *
 * One Temporal dev server (in memory, headless) for the whole run as well: starting one
 * takes seconds, so test files share it and keep apart by running their own worker on a
 * task queue of their own.
 */
let embedded: EmbeddedDatabase | undefined;
let embeddedDir: string | undefined;
let temporal: DevTemporal | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    temporalAddress: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  // a folder of this run's own, so two test runs on one machine never share a postmaster
  if (!url) {
    embeddedDir = await mkdtemp(path.join(tmpdir(), 'scimflow-test-pg-'));
    await chmod(embeddedDir, 0o755); // PostgreSQL runs as its own user when we are root
  }
  const [postgres, devTemporal] = await Promise.allSettled([
    url ? undefined : startEmbeddedPostgres(embeddedDir!, { database: 'postgres', durable: false }),
    freePort().then((port) => startDevTemporal({ port, namespace: 'default', searchAttributes: SEARCH_ATTRIBUTES })),
  ]);
  // whichever started is stopped again when the other did not
  embedded = postgres.status === 'fulfilled' ? postgres.value : undefined;
  temporal = devTemporal.status === 'fulfilled' ? devTemporal.value : undefined;
  if (postgres.status === 'rejected' || devTemporal.status === 'rejected') {
    await teardown();
    throw postgres.status === 'rejected' ? postgres.reason : (devTemporal as PromiseRejectedResult).reason;
  }
  url ??= embedded!.url;
  project.provide('temporalAddress', temporal!.address);
  project.provide('adminDatabaseUrl', url);
}

export async function teardown(): Promise<void> {
  await Promise.all([embedded?.stop(), temporal?.stop()]);
  if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
}
