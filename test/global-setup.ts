import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/dev/embedded-postgres.js';
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
let temporal: DevTemporal | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    temporalAddress: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  const [postgres, devTemporal] = await Promise.allSettled([
    url ? undefined : startEmbeddedPostgres('.data/test-postgres', { database: 'postgres', durable: false }),
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
}
