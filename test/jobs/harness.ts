import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../src/activities/index.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { createJobService, type JobService, type JobStatusResponse } from '../../src/jobs/service.js';
import { createJobWorker, type JobWorkerOptions } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { createWorld, SECRETS_KEY, type World } from '../provisioning/sync-fixture.js';

/**
 * A jobs test's world: the sync fixture's directory and SCIM target, plus the admin API with
 * job control over the run's shared Temporal dev server, and a worker of this file's own on a
 * task queue of its own.
 */
// the SDK's own logging (bundling, worker states) at errors only; once per test process
Runtime.install({ logger: new DefaultLogger('ERROR') });

export interface JobsWorld extends World {
  apiUrl: string;
  taskQueue: string;
  temporal: Client;
  service: JobService;
  /** fetch against the job-enabled admin API; JSON in and out */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** a job created through the API, pointing at the world's SCIM target unless told otherwise */
  createJobViaApi(config?: Record<string, unknown>, target?: { url?: string; token?: string }): Promise<string>;
  /** a worker on the world's task queue, stopped by close() */
  startWorker(overrides?: Partial<ActivityDeps>, options?: Pick<JobWorkerOptions, 'metrics' | 'notifications'>): Promise<RunningWorker>;
  /** directory users created and assigned to the application, one per name; their ids */
  assignedUsers(names: string[]): Promise<string[]>;
  status(jobId: string): Promise<JobStatusResponse>;
  /** polls the job's status until `done` holds */
  waitForStatus(jobId: string, done: (s: JobStatusResponse) => boolean, timeoutMs?: number): Promise<JobStatusResponse>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function createJobsWorld(): Promise<JobsWorld> {
  const world = await createWorld();
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: 'default' });
  const taskQueue = `jobs-test-${randomUUID()}`;
  const service = createJobService({ db: world.app.db.db, sql: world.app.db.sql, temporal, taskQueue, secretsKey: SECRETS_KEY });
  const server: RunningServer = await startServer(
    { db: world.app.db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger: createLogger('silent'), jobs: service },
    0,
    '127.0.0.1',
  );
  const workers: RunningWorker[] = [];

  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const status = (jobId: string) => service.status(jobId);

  return {
    ...world,
    apiUrl: server.url,
    taskQueue,
    temporal,
    service,
    call,
    status,
    async createJobViaApi(config = {}, target = {}) {
      const res = await call<{ id: string }>('POST', '/api/jobs', {
        name: 'ThousandEyes',
        directoryId: world.directoryId,
        applicationId: world.applicationId,
        target: { url: target.url ?? world.scimUrl, token: target.token ?? world.scimToken },
        ...config,
      });
      if (res.status !== 201) throw new Error(`create job: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    async startWorker(overrides = {}, options = {}) {
      const nativeConnection = await NativeConnection.connect({ address });
      const worker = await createJobWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        activities: { engine: { db: world.app.db.db, sql: world.app.db.sql, secretsKey: SECRETS_KEY }, ...overrides },
        logger: createLogger('silent'),
        ...options,
      });
      const running = worker.run();
      let stopped: Promise<void> | undefined;
      const handle: RunningWorker = {
        worker,
        // once, however often asked: a test may stop its worker before close() does
        stop: () => stopped ??= (async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
          await nativeConnection.close();
        })(),
      };
      workers.push(handle);
      return handle;
    },
    async assignedUsers(names) {
      const ids: string[] = [];
      for (const name of names) {
        const id = await world.user({ name });
        await world.assign(id);
        ids.push(id);
      }
      return ids;
    },
    async waitForStatus(jobId, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: JobStatusResponse | undefined;
      while (Date.now() < deadline) {
        last = await status(jobId);
        if (done(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`status never matched; last: ${JSON.stringify(last)}`);
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await server.close();
      await connection.close();
      await world.close();
    },
  };
}
