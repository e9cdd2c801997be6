import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/dev/embedded-postgres.js';

/**
 * One PostgreSQL for the whole run: the machine's own when TEST_DATABASE_URL is set,
 * otherwise an embedded one. Each test file then creates its own database in it
 * (test/support/db.ts), so files never see each other's rows.
 */
let embedded: EmbeddedDatabase | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedPostgres('.data/test-postgres', { database: 'postgres', durable: false });
    url = embedded.url;
  }
  project.provide('adminDatabaseUrl', url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}
