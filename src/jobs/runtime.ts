import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { DbHandle } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NotifierSettings } from '../notifications/activities.js';
import type { SecretsKey } from '../provisioning/secrets.js';
import { createJobService, type JobService } from './service.js';
import { connectClient, ensureSearchAttributes, type TemporalSettings } from './temporal.js';
import { createJobWorker } from './worker.js';
import { ensureLogRetentionSchedule } from './log-retention-schedule.js';

/**
 * The provisioning worker as a process runs it (`scimflow worker`, and beside the API in
 * `scimflow dev`): search attributes made sure of, lost or orphaned workflows reconciled,
 * then the worker polling until stopped.
 */
export interface JobRuntime {
  service: JobService;
  worker: Worker;
  /** settles when the worker stops (rejects when it fails) */
  running: Promise<void>;
  stop(): Promise<void>;
}

export interface JobRuntimeOptions {
  database: DbHandle;
  temporal: TemporalSettings;
  secretsKey: SecretsKey;
  logger: Logger;
  notifications?: NotifierSettings;
  metrics?: Metrics;
  /** workflow code bundled ahead of time (production) */
  prebuilt?: boolean;
  /** LOG_RETENTION_DAYS, applied by the `scimflow-log-retention` schedule */
  logRetentionDays?: number;
}

export async function startJobRuntime(options: JobRuntimeOptions): Promise<JobRuntime> {
  const { database, temporal, logger } = options;
  const connection = await NativeConnection.connect({ address: temporal.address });
  try {
    await ensureSearchAttributes(connection, temporal.namespace, logger);
    const client = new Client({ connection, namespace: temporal.namespace });
    await ensureLogRetentionSchedule(client, { taskQueue: temporal.taskQueue, retentionDays: options.logRetentionDays }, logger);
    const service = createJobService({
      db: database.db, sql: database.sql, temporal: client, taskQueue: temporal.taskQueue, secretsKey: options.secretsKey,
    });
    const worker = await createJobWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      activities: { engine: { db: database.db, sql: database.sql, secretsKey: options.secretsKey } },
      logger,
      prebuilt: options.prebuilt ?? false,
      notifications: options.notifications,
      metrics: options.metrics,
    });
    const running = worker.run();
    // best effort: a visibility hiccup must not keep the worker from serving the jobs that are fine
    await service.reconcile().then(
      (reconciled) => {
        if (reconciled.started.length || reconciled.terminated.length) logger.info(reconciled, 'reconciled provisioning job workflows');
      },
      (err: unknown) => logger.error({ err }, 'could not reconcile provisioning job workflows'),
    );
    return {
      service,
      worker,
      running,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch((err: unknown) => logger.error({ err }, 'the provisioning worker failed'));
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** The job service alone, for an API process that leaves the workflows to separate workers (`scimflow api`). */
export async function connectJobService(options: Omit<JobRuntimeOptions, 'logger' | 'prebuilt'>): Promise<{ service: JobService; close(): Promise<void> }> {
  const { client, close } = await connectClient(options.temporal);
  const service = createJobService({
    db: options.database.db, sql: options.database.sql, temporal: client, taskQueue: options.temporal.taskQueue, secretsKey: options.secretsKey,
  });
  return { service, close };
}
