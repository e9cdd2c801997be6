import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// The option is undocumented in postgres.js; these fail if an upgrade stops honouring it.
describe('connection pool', () => {
  let database: TestDatabase;
  let pool: DbHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = connect(database.url, { max: 2 });
  });
  afterAll(async () => {
    await pool.close();
    await database.drop();
  });

  it('sends one query at a time on each connection (no pipelining)', () => {
    expect((pool.sql.options as { max_pipeline?: number }).max_pipeline).toBe(1);
  });

  it('runs many concurrent callers on no more connections than its size, each answered', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      pool.sql<Array<{ pid: number; n: number }>>`select pg_backend_pid() as pid, ${i}::int as n`.then(([row]) => row!)));
    expect(answers.map((a) => a.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(answers.map((a) => a.pid)).size).toBeLessThanOrEqual(2);
  });
});
