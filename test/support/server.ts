import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  url: string;
  db: TestDatabase;
  server: RunningServer;
  /** fetch against the admin API with the admin token */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** A real scimflow API on a free port over a fresh database of its own. */
export async function startTestApp(): Promise<TestApp> {
  const db = await createTestDatabase();
  const server = await startServer(
    { db: db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger: createLogger('silent') },
    0,
    '127.0.0.1',
  );
  return {
    url: server.url,
    db,
    server,
    admin: (method, path, body) => fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
